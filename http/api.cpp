#include "http/api.hpp"

#include <spdlog/spdlog.h>

#include "common/msgpack_codec.hpp"
#include "http/job_request.hpp"
#include "http/percent_decode.hpp"
#include "http/static_content.hpp"

namespace intentq::http {
namespace {

using namespace std::chrono_literals;
constexpr auto kTick = 200ms;
constexpr auto kCancelTimeout = 5s;
constexpr auto kRefusalLogEvery = 10s;
// The broker counts as reachable while its last mmi.stats answer is this recent.
constexpr auto kBrokerFresh = 3s;

// The values of `key` in a query string, decoded.
std::vector<std::string> query_values(std::string_view query, std::string_view key) {
  std::vector<std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq), true) != key) continue;
    out.push_back(eq == std::string_view::npos ? std::string()
                                               : percent_decode(pair.substr(eq + 1), true));
  }
  return out;
}

Response json_response(int status, const nlohmann::json& body) {
  return {status, "application/json", {}, json_text(body)};
}

Response error_response(int status, std::string_view code, std::string_view message) {
  auto r = error_reply(status, code, message);
  Response response{r.status, "application/json", {}, std::move(r.body)};
  if (r.retry_after_s > 0)
    response.headers.emplace_back("Retry-After", std::to_string(r.retry_after_s));
  return response;
}

int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Api::Api(asio::io_context& io, ApiOptions options, Metrics& metrics)
    : io_(io),
      options_(std::move(options)),
      metrics_(metrics),
      store_(options_.store),
      tick_timer_(io),
      stats_timer_(io) {
  if (!options_.tokens_file.empty()) tokens_ = Tokens::load(options_.tokens_file);
  broker_ = std::make_unique<BrokerLink>(
      io, options_.broker,
      [this](std::string_view service, std::vector<std::string> body) {
        on_reply(service, std::move(body));
      },
      [this](std::string_view topic, std::string_view body) { on_result(topic, body); });
  tick();
  stats_tick();
}

Api::~Api() = default;

bool Api::broker_up() const {
  return stats_at_ != Clock::time_point{} && Clock::now() - stats_at_ < kBrokerFresh;
}

void Api::reload_tokens() {
  if (options_.tokens_file.empty()) {
    spdlog::info("SIGHUP: no --tokens file to reload");
    return;
  }
  try {
    tokens_ = Tokens::load(options_.tokens_file);
    spdlog::info("SIGHUP: reloaded {} token(s) from {}", tokens_->size(), options_.tokens_file);
  } catch (const std::exception& e) {
    spdlog::error("SIGHUP: {}; keeping the {} token(s) loaded before", e.what(),
                  tokens_ ? tokens_->size() : 0);
  }
}

Metrics::Gauges Api::gauges() const {
  Metrics::Gauges g;
  g.connections = gauges_.connections ? static_cast<double>(gauges_.connections()) : 0;
  g.sse_clients = gauges_.sse_clients ? static_cast<double>(gauges_.sse_clients()) : 0;
  g.jobs_pending = static_cast<double>(store_.pending());
  g.store_entries = static_cast<double>(store_.size());
  g.store_bytes = static_cast<double>(store_.bytes());
  g.broker_up = broker_up() ? 1 : 0;
  return g;
}

void Api::answer(const std::shared_ptr<Exchange>& exchange, const char* route, Response response) {
  metrics_.request(route, response.status);
  exchange->respond(std::move(response));
}

void Api::answer_reply(const std::shared_ptr<Exchange>& exchange, const char* route,
                       const StoredReply& reply) {
  Response response{reply.status, "application/json", {}, reply.body};
  if (reply.retry_after_s > 0)
    response.headers.emplace_back("Retry-After", std::to_string(reply.retry_after_s));
  answer(exchange, route, std::move(response));
}

bool Api::authorized(const Request& request, const std::shared_ptr<Exchange>& exchange,
                     const char* route) {
  if (!tokens_) return true;
  if (tokens_->check(request.authorization)) return true;
  const char* reason = request.authorization.empty() ? "missing" : "wrong";
  metrics_.auth_refused(reason);
  ++refusals_unlogged_;
  const auto now = Clock::now();
  if (now - refusal_logged_ >= kRefusalLogEvery) {
    spdlog::warn(
        "refused {} request(s) without a valid bearer token (last: {} token, {} {} from {})",
        refusals_unlogged_, reason, request.method, request.path, request.remote);
    refusals_unlogged_ = 0;
    refusal_logged_ = now;
  }
  auto response = error_response(401, "UNAUTHORIZED",
                                 std::string(reason) == "missing"
                                     ? "this front needs `Authorization: Bearer <token>`"
                                     : "the bearer token is not valid");
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"intentq\"");
  answer(exchange, route, std::move(response));
  return false;
}

void Api::handle(Request request, std::shared_ptr<Exchange> exchange) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  auto method_not_allowed = [&](const char* route, const char* allow) {
    auto r = error_response(405, "BAD_REQUEST", method + " is not allowed on " + path);
    r.headers.emplace_back("Allow", allow);
    answer(exchange, route, std::move(r));
  };
  // Open routes: the page itself holds no data, probes need no token, the API description is
  // public.
  if (path == "/" || path == "/index.html") {
    if (method != "GET" && method != "HEAD") return method_not_allowed("dashboard", "GET");
    return answer(exchange, "dashboard",
                  {200, "text/html; charset=utf-8", {}, std::string(dashboard_html())});
  }
  if (path == "/healthz")
    return answer(exchange, "healthz", json_response(200, {{"status", "ok"}}));
  if (path == "/readyz") {
    nlohmann::json body{{"ready", broker_up()}, {"broker", options_.broker.frontend}};
    if (stats_at_ != Clock::time_point{})
      body["broker_answered_ms_ago"] =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stats_at_).count();
    return answer(exchange, "readyz", json_response(broker_up() ? 200 : 503, body));
  }
  if (path == "/v1/openapi.json")
    return answer(exchange, "openapi", {200, "application/json", {}, std::string(openapi_json())});

  if (path == "/metrics") {
    if (!authorized(request, exchange, "metrics")) return;
    return answer(exchange, "metrics",
                  {200, "text/plain; version=0.0.4", {}, metrics_.text(gauges())});
  }
  constexpr std::string_view kJobs = "/v1/jobs/";
  if (path.compare(0, kJobs.size(), kJobs) == 0 && path.size() > kJobs.size()) {
    const std::string rest = path.substr(kJobs.size());
    const char* route = method == "POST"     ? "jobs_post"
                        : method == "GET"    ? "jobs_get"
                        : method == "DELETE" ? "jobs_delete"
                                             : "jobs";
    if (!authorized(request, exchange, route)) return;
    if (method == "POST") return post_job(request, rest, exchange);
    if (method == "GET") return get_job(rest, exchange);
    if (method == "DELETE") return cancel_job(request, rest, exchange);
    return method_not_allowed(route, "POST, GET, DELETE");
  }
  if (path == "/v1/stream") {
    if (!authorized(request, exchange, "stream")) return;
    if (method != "GET") return method_not_allowed("stream", "GET");
    return open_results_stream(request, exchange);
  }
  if (path == "/v1/stream/stats") {
    if (!authorized(request, exchange, "stream_stats")) return;
    if (method != "GET") return method_not_allowed("stream_stats", "GET");
    return open_stats_stream(exchange);
  }
  if (path == "/v1/stats") {
    if (!authorized(request, exchange, "stats")) return;
    if (method != "GET") return method_not_allowed("stats", "GET");
    if (!broker_up())
      return answer(exchange, "stats",
                    error_response(503, "BROKER_UNREACHABLE",
                                   "no mmi.stats answer from " + options_.broker.frontend +
                                       " in the last 3 s"));
    return answer(exchange, "stats", json_response(200, stats_));
  }
  if (path == "/v1/intents") {
    if (!authorized(request, exchange, "intents")) return;
    if (method != "GET") return method_not_allowed("intents", "GET");
    return get_intents(exchange);
  }
  if (!authorized(request, exchange, "other")) return;
  answer(
      exchange, "other",
      error_response(404, "NOT_FOUND", "no route " + path + " (GET /v1/openapi.json lists them)"));
}

// ---- jobs ----

void Api::post_job(const Request& request, const std::string& intent,
                   const std::shared_ptr<Exchange>& exchange) {
  JobSubmission job;
  try {
    job = parse_submission(intent, request.body);
  } catch (const BadJobRequest& e) {
    return answer_reply(exchange, "jobs_post",
                        error_reply(400, "BAD_REQUEST", e.what(), "", intent));
  }
  const auto wait_values = query_values(request.query, "wait");
  const bool wait =
      wait_values.empty() || (wait_values.back() != "false" && wait_values.back() != "0");
  const auto now = Clock::now();
  const auto deadline =
      job.deadline_ms ? std::chrono::milliseconds(*job.deadline_ms) : options_.default_deadline;
  const auto admitted = store_.admit(job.id, job.intent, job.params_key, now,
                                     now + deadline + options_.reply_grace, caller_of(request));
  switch (admitted) {
    case JobStore::Admit::kConflict:
      return answer_reply(exchange, "jobs_post",
                          error_reply(409, "CONFLICT",
                                      "id '" + job.id +
                                          "' was submitted to this front with another intent or "
                                          "other params; use a new id",
                                      job.id, job.intent));
    case JobStore::Admit::kFull:
      return answer_reply(exchange, "jobs_post",
                          error_reply(503, "BUSY",
                                      "this front holds " + std::to_string(store_.pending()) +
                                          " jobs waiting for replies (--store-max-entries)",
                                      job.id, job.intent));
    case JobStore::Admit::kDone:
      return answer_reply(exchange, "jobs_post", *store_.reply(job.id));
    case JobStore::Admit::kNew:
      if (!broker_->send(job.intent, job.envelope)) {
        store_.abandon(job.id);
        return answer_reply(exchange, "jobs_post",
                            error_reply(503, "BROKER_UNREACHABLE",
                                        "no connection to the broker " + options_.broker.frontend +
                                            " (not up, or it refused this front's CURVE key)",
                                        job.id, job.intent));
      }
      break;
    case JobStore::Admit::kPending:
      break;
  }
  if (!wait) {
    Response r =
        json_response(202, {{"id", job.id}, {"intent", job.intent}, {"status", "pending"}});
    r.headers.emplace_back("Location", "/v1/jobs/" + job.id);
    return answer(exchange, "jobs_post", std::move(r));
  }
  const bool added = store_.wait(job.id, [this, exchange, now](const StoredReply& reply) {
    metrics_.job_seconds(std::chrono::duration<double>(Clock::now() - now).count());
    answer_reply(exchange, "jobs_post", reply);
  });
  if (!added)
    answer_reply(exchange, "jobs_post",
                 error_reply(503, "BUSY", "too many requests wait for id '" + job.id + "'", job.id,
                             job.intent));
}

void Api::get_job(const std::string& id, const std::shared_ptr<Exchange>& exchange) {
  bool pending = false;
  if (const auto* reply = store_.reply(id, &pending))
    return answer_reply(exchange, "jobs_get", *reply);
  if (pending) {
    Response r = json_response(
        202, {{"id", id}, {"intent", store_.intent_of(id).value_or("")}, {"status", "pending"}});
    r.headers.emplace_back("Retry-After", "1");
    return answer(exchange, "jobs_get", std::move(r));
  }
  answer_reply(exchange, "jobs_get",
               error_reply(404, "UNKNOWN_JOB",
                           "no job '" + id +
                               "' on this front (never submitted here, or its reply "
                               "is older than --store-ttl-ms)",
                           id));
}

std::string Api::caller_of(const Request& request) const {
  if (!tokens_) return {};
  return tokens_->check(request.authorization).value_or("");
}

void Api::cancel_job(const Request& request, const std::string& id,
                     const std::shared_ptr<Exchange>& exchange) {
  // The broker knows this front as the submitter of all its jobs; the per-caller rule is kept
  // here: only a job this caller submitted (and no other caller waits for) is cancelled. Someone
  // else's id gets the broker's answer for an unknown one, which says nothing about existence.
  switch (store_.may_cancel(id, caller_of(request))) {
    case JobStore::Cancel::kUnknown:
      return answer_reply(
          exchange, "jobs_delete",
          error_reply(404, "UNKNOWN_JOB",
                      "no job '" + id + "' submitted by this caller is queued or running", id));
    case JobStore::Cancel::kShared:
      return answer_reply(exchange, "jobs_delete",
                          error_reply(409, "CONFLICT",
                                      "job '" + id +
                                          "' is also awaited by other callers of this front; it "
                                          "is not cancelled",
                                      id, store_.intent_of(id).value_or("")));
    case JobStore::Cancel::kMine:
      break;
  }
  // The broker answers mmi.* in order on this connection; a broker without mmi.cancel answers
  // "501" (docs/protocol.md section 4).
  if (!broker_->send("mmi.cancel", id))
    return answer_reply(exchange, "jobs_delete",
                        error_reply(503, "BROKER_UNREACHABLE",
                                    "no connection to the broker " + options_.broker.frontend, id));
  cancels_.push_back({id, exchange, Clock::now() + kCancelTimeout});
}

// ---- streams ----

void Api::open_results_stream(const Request& request, const std::shared_ptr<Exchange>& exchange) {
  StreamClient client;
  client.prefixes = query_values(request.query, "topic");
  if (client.prefixes.size() > 32)
    return answer(exchange, "stream",
                  error_response(400, "BAD_REQUEST", "at most 32 topic prefixes"));
  for (const auto& p : client.prefixes)
    if (p.size() > 256)
      return answer(exchange, "stream",
                    error_response(400, "BAD_REQUEST", "topic prefix longer than 256 bytes"));
  metrics_.request("stream", 200);
  auto stream = exchange->start_stream();
  if (!stream) return;
  client.stream = stream;
  result_streams_.push_back(std::move(client));
}

void Api::open_stats_stream(const std::shared_ptr<Exchange>& exchange) {
  metrics_.request("stream_stats", 200);
  auto stream = exchange->start_stream();
  if (!stream) return;
  auto state = dashboard_state();
  state["series"] = live_.series();
  state["results"] = live_.recent();
  stream->send(sse_event("snapshot", json_text(state)));
  stats_streams_.push_back(stream);
}

nlohmann::json Api::dashboard_state() {
  return {{"time_ms", epoch_ms()},
          {"broker_up", broker_up()},
          {"broker", options_.broker.frontend},
          {"stats", broker_up() ? stats_ : nlohmann::json(nullptr)},
          {"point", live_.last_point()},
          {"waits", live_.waits()},
          {"http",
           {{"connections", gauges_.connections ? gauges_.connections() : 0},
            {"sse_clients", gauges_.sse_clients ? gauges_.sse_clients() : 0},
            {"jobs_pending", store_.pending()},
            {"store_entries", store_.size()}}}};
}

void Api::get_intents(const std::shared_ptr<Exchange>& exchange) {
  const auto& table = intents_table();
  nlohmann::json services = nlohmann::json::object();
  if (broker_up() && stats_.is_object())
    if (auto s = stats_.find("services"); s != stats_.end() && s->is_object()) services = *s;
  nlohmann::json out = nlohmann::json::object();
  auto live = [&](const std::string& name) {
    nlohmann::json l{{"workers", 0}, {"queued", 0}};
    if (auto it = services.find(name); it != services.end() && it->is_object()) {
      l["workers"] = it->value("workers", 0);
      l["queued"] = it->value("queued", 0);
    }
    return l;
  };
  for (const auto& [name, spec] : table.items()) {
    auto entry = spec;
    entry["live"] = live(name);
    out[name] = std::move(entry);
  }
  for (const auto& [name, info] : services.items()) {
    if (out.contains(name) || name.rfind("mmi.", 0) == 0) continue;
    out[name] = {{"doc", "served by a worker this front has no params table for"},
                 {"params", nullptr},
                 {"live", live(name)}};
  }
  answer(exchange, "intents",
         json_response(200, {{"intents", out},
                             {"params_source", "static table of docs/protocol.md section 9"},
                             {"live_source", broker_up() ? "mmi.stats" : "broker unreachable"}}));
}

// ---- the broker ----

void Api::on_reply(std::string_view service, std::vector<std::string> body) {
  if (service == "mmi.stats") {
    stats_asked_.reset();
    if (body.size() != 1) return;
    try {
      stats_ = msgpack_codec::to_json(body[0]);
      stats_at_ = Clock::now();
    } catch (const std::exception& e) {
      spdlog::warn("mmi.stats answer is not msgpack: {}", e.what());
    }
    return;
  }
  if (service == "mmi.cancel") {
    if (cancels_.empty()) return;  // answered after we gave up on it
    auto cancel = std::move(cancels_.front());
    cancels_.pop_front();
    if (body.size() == 1 && body[0] == "501") {
      return answer_reply(cancel.exchange, "jobs_delete",
                          error_reply(501, "NOT_IMPLEMENTED",
                                      "cancel needs a broker that supports mmi.cancel; " +
                                          options_.broker.frontend +
                                          " answered 501 (the job, if any, runs to its end)",
                                      cancel.id));
    }
    if (body.size() != 1)
      return answer_reply(cancel.exchange, "jobs_delete",
                          error_reply(502, "INTERNAL", "unexpected mmi.cancel answer", cancel.id));
    auto reply = reply_from_broker(body[0]);
    return answer_reply(cancel.exchange, "jobs_delete", reply);
  }
  if (body.size() != 1) return;  // not an intentq reply
  std::string id;
  auto reply = reply_from_broker(body[0], &id);
  if (id.empty()) return;
  for (auto& waiter : store_.complete(id, std::move(reply), Clock::now())) {
    bool pending = false;
    if (const auto* stored = store_.reply(id, &pending)) waiter(*stored);
  }
}

void Api::on_result(std::string_view topic, std::string_view body) {
  metrics_.result_received();
  nlohmann::json reply;
  try {
    reply = msgpack_codec::to_json(body);
  } catch (const std::exception&) {
    reply = {{"unparsed_bytes", body.size()}};
  }
  live_.add(reply, std::chrono::system_clock::now());
  if (result_streams_.empty()) return;
  const auto event =
      sse_event("result", json_text({{"topic", std::string(topic)}, {"reply", reply}}));
  std::erase_if(result_streams_, [&](StreamClient& client) {
    auto stream = client.stream.lock();
    if (!stream || stream->closed()) return true;
    if (!client.prefixes.empty()) {
      bool match = false;
      for (const auto& p : client.prefixes)
        if (topic.substr(0, p.size()) == p) match = true;
      if (!match) return false;
    }
    return !stream->send(event);
  });
}

void Api::tick() {
  broker_->poll();
  const auto now = Clock::now();
  for (const auto& id : store_.expired(now)) {
    const auto intent = store_.intent_of(id).value_or("");
    auto reply = error_reply(504, "TIMEOUT",
                             "no reply from the broker " + options_.broker.frontend +
                                 " within the job's deadline and " +
                                 std::to_string(options_.reply_grace.count()) +
                                 " ms more (the broker may have restarted; resubmitting the same "
                                 "id is safe)",
                             id, intent);
    for (auto& waiter : store_.complete(id, reply, now)) waiter(reply);
  }
  while (!cancels_.empty() && cancels_.front().deadline <= now) {
    // The broker answers mmi.* in order: a timed-out cancel means every later one timed out too
    // or will be answered; drop the oldest so answers keep matching.
    auto cancel = std::move(cancels_.front());
    cancels_.pop_front();
    answer_reply(cancel.exchange, "jobs_delete",
                 error_reply(504, "TIMEOUT", "no mmi.cancel answer from the broker", cancel.id));
  }
  tick_timer_.expires_after(kTick);
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) tick();
  });
}

void Api::stats_tick() {
  const auto now = Clock::now();
  if (!stats_asked_ || now - *stats_asked_ > kBrokerFresh) {
    if (broker_->send("mmi.stats", "")) stats_asked_ = now;
  }
  live_.advance(std::chrono::system_clock::now());
  std::erase_if(stats_streams_, [](const auto& weak) {
    auto s = weak.lock();
    return !s || s->closed();
  });
  if (!stats_streams_.empty()) {
    auto state = dashboard_state();
    state["results"] = live_.recent(stats_seq_sent_);
    const auto event = sse_event("stats", json_text(state));
    std::erase_if(stats_streams_, [&](const auto& weak) {
      auto s = weak.lock();
      return !s || !s->send(event);
    });
  }
  stats_seq_sent_ = live_.seq();
  stats_timer_.expires_after(options_.stats_interval);
  stats_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) stats_tick();
  });
}

}  // namespace intentq::http
