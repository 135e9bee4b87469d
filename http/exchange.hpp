// The seam between the HTTP server (Boost.Beast, server.cpp) and what the routes do (api.cpp):
// a parsed request, a response, and the channel one request is answered on. The routes never see
// Beast, so only server.cpp pays for compiling it.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace intentq::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded path without the query
  std::string query;   // raw query string (after '?'), may be empty
  std::string body;
  std::string authorization;  // the Authorization header, or empty
  std::string remote;         // peer address, for logs
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// A Server-Sent Events response in progress. Events are shared: one published result is one
// string however many clients receive it.
class EventStream {
 public:
  virtual ~EventStream() = default;
  // Queues an event. false: the client is gone, or its bounded buffer was full, in which case
  // it got `event: dropped` and is closed.
  virtual bool send(std::shared_ptr<const std::string> event) = 0;
  virtual bool closed() const = 0;
};

// How one request is answered; implemented by the server's session. Exactly one of respond()
// or start_stream() is called, at any later time (a job's reply may take seconds); calls after
// the client went away are harmless no-ops.
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual void respond(Response response) = 0;
  // Sends the SSE response headers and returns the stream (nullptr when the client is gone).
  virtual std::shared_ptr<EventStream> start_stream() = 0;
};

// One SSE event: "event: NAME\ndata: DATA\n\n" (DATA must not contain newlines; JSON dumped
// without indentation has none).
inline std::shared_ptr<const std::string> sse_event(const std::string& name,
                                                    const std::string& data) {
  auto text = std::make_shared<std::string>();
  text->reserve(name.size() + data.size() + 16);
  *text += "event: ";
  *text += name;
  *text += "\ndata: ";
  *text += data;
  *text += "\n\n";
  return text;
}

}  // namespace intentq::http
