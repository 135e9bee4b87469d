// The routes of intentq-http (docs/http.md): jobs, results and stats streams, stats, intents,
// health, metrics, the dashboard page. Runs on the front's one io_context thread, so nothing here
// locks; every request is answered through its Exchange (now, or when the broker replies).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/asio.hpp"
#include "http/broker_link.hpp"
#include "http/exchange.hpp"
#include "http/job_store.hpp"
#include "http/live_view.hpp"
#include "http/metrics.hpp"
#include "http/tokens.hpp"

namespace intentq::http {

struct ApiOptions {
  BrokerLinkOptions broker;
  std::string tokens_file;  // empty: no bearer tokens asked for
  JobStore::Limits store;
  // A job without deadline_ms is given the broker's default deadline; the front waits that long
  // plus reply_grace for the broker's reply before it answers 504 itself.
  std::chrono::milliseconds default_deadline{30000};
  std::chrono::milliseconds reply_grace{5000};
  std::chrono::milliseconds stats_interval{1000};
};

// Connection counts the front's gauges show; filled in by main from the Server.
struct ServerGauges {
  std::function<size_t()> connections;
  std::function<size_t()> sse_clients;
};

class Api {
 public:
  // Throws TokenFileError when the token file is bad.
  Api(asio::io_context& io, ApiOptions options, Metrics& metrics);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  void handle(Request request, std::shared_ptr<Exchange> exchange);
  void set_gauges(ServerGauges gauges) { gauges_ = std::move(gauges); }

  // SIGHUP: re-reads the token file; a bad file keeps the old tokens (logged).
  void reload_tokens();
  bool broker_up() const;

 private:
  struct StreamClient {
    std::weak_ptr<EventStream> stream;
    std::vector<std::string> prefixes;  // empty: every result
  };
  struct PendingCancel {
    std::string id;
    std::shared_ptr<Exchange> exchange;
    Clock::time_point deadline;
  };

  bool authorized(const Request& request, const std::shared_ptr<Exchange>& exchange,
                  const char* route);
  void answer(const std::shared_ptr<Exchange>& exchange, const char* route, Response response);
  void answer_reply(const std::shared_ptr<Exchange>& exchange, const char* route,
                    const StoredReply& reply);

  void post_job(const Request& request, const std::string& intent,
                const std::shared_ptr<Exchange>& exchange);
  void get_job(const std::string& id, const std::shared_ptr<Exchange>& exchange);
  void cancel_job(const Request& request, const std::string& id,
                  const std::shared_ptr<Exchange>& exchange);
  // Who makes `request`: its bearer token's name, "" without --tokens (one caller).
  std::string caller_of(const Request& request) const;
  void open_results_stream(const Request& request, const std::shared_ptr<Exchange>& exchange);
  void open_stats_stream(const std::shared_ptr<Exchange>& exchange);
  void get_intents(const std::shared_ptr<Exchange>& exchange);

  void on_reply(std::string_view service, std::vector<std::string> body);
  void on_result(std::string_view topic, std::string_view body);
  void tick();        // every 200 ms: expired jobs and cancels
  void stats_tick();  // every stats_interval: mmi.stats, the dashboard's event
  nlohmann::json dashboard_state();
  Metrics::Gauges gauges() const;

  asio::io_context& io_;
  ApiOptions options_;
  Metrics& metrics_;
  std::optional<Tokens> tokens_;
  JobStore store_;
  LiveView live_;
  std::unique_ptr<BrokerLink> broker_;
  ServerGauges gauges_;
  asio::steady_timer tick_timer_;
  asio::steady_timer stats_timer_;

  std::vector<StreamClient> result_streams_;
  std::vector<std::weak_ptr<EventStream>> stats_streams_;
  std::deque<PendingCancel> cancels_;

  nlohmann::json stats_ = nullptr;
  Clock::time_point stats_at_{};
  std::optional<Clock::time_point> stats_asked_;
  uint64_t stats_seq_sent_ = 0;  // live_ results already sent to stats streams

  // Refusals are logged at most once per kRefusalLogEvery, with the count in between.
  Clock::time_point refusal_logged_{};
  uint64_t refusals_unlogged_ = 0;
};

}  // namespace intentq::http
