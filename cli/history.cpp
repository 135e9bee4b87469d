// `intentq history`: a contract's bars over a time range as many historical_bars jobs
// (docs/history.md). Everything the user can get wrong is checked before the first job is sent:
// the range, the bar size and what_to_show (the intent's own lists), the contract params (the
// intent's schema), and the output file (opened first). Then the chunks (cli/history_plan.hpp)
// go over one client connection with priority `bulk`, a bounded number in flight, and are written
// whole and in time order (cli/history_output.hpp) however their answers arrive. SIGINT cancels
// the chunks still in flight (mmi.cancel from the same connection: only the submitter may) and
// leaves the file with whole chunks only; a rerun goes on after its last bar.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/history_eta.hpp"
#include "cli/history_output.hpp"
#include "cli/history_plan.hpp"
#include "cli/params.hpp"
#include "common/envelope.hpp"
#include "common/mdp.hpp"
#include "common/msgpack_codec.hpp"
#include "common/params_schema.hpp"
#include "common/signals.hpp"

namespace intentq::cli {
namespace {

namespace md = params::market_data;
using history::Chunk;
using history::Format;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kName = "intentq history: ";
// docs/protocol.md §6.8: the head timestamp may come from the broker's stored answer this old.
constexpr uint64_t kHeadMaxAgeMs = 86400000;
// How long the first connection to the broker may take before the command gives up.
constexpr std::chrono::seconds kConnectTimeout{5};
// A chunk answered TIMEOUT or GATEWAY_PACING is sent again this many times, each time with twice
// the deadline, before the download stops (a rerun resumes it).
constexpr int kChunkRetries = 3;
// Params that are options of this command (the range and the bars), not --param.
constexpr std::string_view kOwnParams[] = {"end", "duration", "bar_size", "what_to_show",
                                           "use_rth"};

// A refusal before anything is submitted (exit 78).
struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int64_t now_epoch() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string trimmed(std::string s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

const md::BarSize& checked_bar_size(const std::string& given) {
  std::string name = trimmed(given);
  for (const auto& [alias, ib] : md::bar_size_aliases())
    if (alias == name) name = ib;
  if (const auto* b = md::find_bar_size(name)) return *b;
  std::string all;
  for (const auto& b : md::bar_sizes()) all += (all.empty() ? "" : ", ") + std::string(b.name);
  throw Refused("--bar-size must be one of " + all + " (got '" + given + "')");
}

std::string checked_what_to_show(const std::string& given) {
  std::string w = trimmed(given);
  std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return std::toupper(c); });
  std::string all;
  for (auto v : md::what_to_show_values()) {
    if (v == w) return w;
    all += (all.empty() ? "" : ", ") + std::string(v);
  }
  throw Refused("--what-to-show must be one of " + all + " (got '" + given + "')");
}

int64_t checked_time(const std::string& option, const std::string& text) {
  if (auto t = md::parse_iso_utc(trimmed(text))) return *t;
  throw Refused(option + " " + md::iso_error(trimmed(text)));
}

// The params map `intent` is validated with by the broker and the worker (common/params_schema):
// a ParamsError here is the BAD_REQUEST the broker would answer, said before submitting.
void check_params(const std::string& intent, const json& params) {
  JobRequest probe;
  probe.params = params;
  const auto body = encode_request(probe);
  const auto fields = read_request_fields(body);
  const auto* schema = params::find_intent(intent);
  if (!schema) return;
  try {
    params::parse(*schema, fields.params, intent);
  } catch (const params::ParamsError& e) {
    throw Refused(e.what());
  }
}

std::string duration_text(int64_t seconds) {
  std::ostringstream out;
  if (seconds >= 3600) out << seconds / 3600 << "h";
  if (seconds >= 60) out << (seconds % 3600) / 60 << "m";
  out << seconds % 60 << "s";
  return out.str();
}

// The output: stdout, or a file opened (created) before anything is submitted.
class Output {
 public:
  Output() = default;
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  ~Output() {
    if (fd_ > 1) ::close(fd_);
  }

  // Opens `path` for appending after its first `keep` bytes (a cut-off last line is dropped).
  void open_file(const std::string& path, uint64_t keep, bool exists) {
    path_ = path;
    created_ = !exists;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw Refused("--output " + path + ": cannot open it for writing: " + std::strerror(errno));
    if (exists && ::ftruncate(fd_, static_cast<off_t>(keep)) != 0)
      throw Refused("--output " + path +
                    ": cannot cut its incomplete last line: " + std::strerror(errno));
    if (::lseek(fd_, 0, SEEK_END) < 0)
      throw Refused("--output " + path + ": " + std::strerror(errno));
  }
  void use_stdout() { fd_ = 1; }

  // Writes all of `text` (one whole chunk) or throws.
  void write(std::string_view text) {
    while (!text.empty()) {
      const auto n = ::write(fd_, text.data(), text.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        throw std::runtime_error("writing " + (path_.empty() ? std::string("stdout") : path_) +
                                 ": " + std::strerror(errno));
      text.remove_prefix(static_cast<size_t>(n));
    }
    wrote_ = true;
  }

  // A file this run created and never wrote to goes away with a refusal.
  void discard_if_unused() {
    if (created_ && !wrote_ && !path_.empty()) {
      std::error_code ec;
      std::filesystem::remove(path_, ec);
    }
  }
  std::string name() const { return path_.empty() ? "stdout" : path_; }

 private:
  int fd_ = -1;
  std::string path_;
  bool created_ = false;
  bool wrote_ = false;
};

// One job on the connection: send it and wait for its reply (the head timestamp). nullopt when
// none came within `wait`, or a signal came (`interrupted` set; the job is cancelled).
std::optional<JobReply> run_one(mdp::Client& client, SignalFd& signals, const std::string& intent,
                                JobRequest request, std::chrono::milliseconds wait,
                                bool& interrupted) {
  const std::string id = *request.id;
  client.send(intent, encode_request(request));
  const auto until = Clock::now() + wait;
  while (Clock::now() < until) {
    zmq::pollitem_t items[] = {{client.socket().handle(), 0, ZMQ_POLLIN, 0},
                               {nullptr, signals.fd(), ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(250));
    if ((items[1].revents & ZMQ_POLLIN) && !signals.take().empty()) {
      interrupted = true;
      client.send(mdp::kMmiCancel, id);
      return std::nullopt;
    }
    // Nothing listens (or CURVE refused us): say so now, not after the job's deadline.
    if (const auto link = client.link();
        link && !link->ever_up && (link->hopeless() || link->down_for() > kConnectTimeout))
      return std::nullopt;
    auto reply = client.receive(std::chrono::milliseconds(0));
    if (!reply || reply->body.size() != 1 || reply->service != intent) continue;
    try {
      auto r = decode_reply(reply->body[0]);
      if (r.id.empty() || r.id == id) return r;
    } catch (const EnvelopeError&) {
    }
  }
  return std::nullopt;
}

std::string error_text(const JobReply& r) {
  if (!r.error) return "error";
  std::string s = std::string(to_string(r.error->code)) + ": " + r.error->message;
  if (r.error->gateway_code) s += " (IB " + std::to_string(*r.error->gateway_code) + ")";
  return s;
}

class Progress {
 public:
  Progress(bool on, size_t total) : on_(on), total_(total), started_(Clock::now()) {}
  void show(size_t done, uint64_t bars, bool force = false) {
    if (!on_) return;
    const auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    constexpr size_t kWidth = 30;
    const size_t filled = total_ ? done * kWidth / total_ : kWidth;
    std::string bar(filled, '#');
    bar.resize(kWidth, '.');
    // This run's pace so far, or the broker's schedule when that says longer (it knows the
    // pacing window ahead; the pace only the past).
    std::optional<int64_t> eta_s;
    if (done > 0 && done < total_) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - started_).count();
      eta_s = static_cast<int64_t>(elapsed * static_cast<int64_t>(total_ - done) /
                                   static_cast<int64_t>(done));
    } else if (done == total_) {
      eta_s = 0;
    }
    if (schedule_s_ && done < total_) {
      const auto since = std::chrono::duration<double>(now - schedule_at_).count();
      const auto sched = static_cast<int64_t>(std::max(0.0, *schedule_s_ - since));
      eta_s = std::max(eta_s.value_or(0), sched);
    }
    const std::string eta = eta_s ? duration_text(*eta_s) : "?";
    std::cerr << "\r[" << bar << "] " << done << "/" << total_ << " chunks, " << bars
              << " bars, ETA " << eta << "   " << std::flush;
  }
  void end() {
    if (on_) std::cerr << "\n";
  }
  bool on() const { return on_; }
  void set_schedule(std::optional<double> seconds) {
    schedule_s_ = seconds;
    schedule_at_ = Clock::now();
  }

 private:
  bool on_;
  size_t total_;
  Clock::time_point started_;
  Clock::time_point last_{};
  std::optional<double> schedule_s_;
  Clock::time_point schedule_at_{};
};

}  // namespace

int run_history(const HistoryOptions& o) {
  // Before the ZeroMQ context starts its threads: they inherit the blocked mask.
  SignalFd signals({SIGINT, SIGTERM});
  Output out;
  json contract;
  Format format = Format::kCsv;
  const md::BarSize* bar = nullptr;
  std::string what;
  Chunk range;
  std::optional<history::Existing> existing;
  try {
    if (o.format == "csv")
      format = Format::kCsv;
    else if (o.format == "jsonl")
      format = Format::kJsonl;
    else
      throw Refused("--format must be csv or jsonl (got '" + o.format + "')");
    try {
      contract = build_params("", o.params);
    } catch (const std::exception& e) {
      throw Refused(e.what());
    }
    for (auto key : kOwnParams)
      if (contract.contains(key))
        throw Refused("--param " + std::string(key) +
                      " is set by this command (use --from/--to, --bar-size, --what-to-show, "
                      "--rth/--all-hours)");
    bar = &checked_bar_size(o.bar_size);
    what = checked_what_to_show(o.what_to_show);
    if (o.from.empty())
      throw Refused("--from is required (ISO-8601 UTC, e.g. 2026-01-02T00:00:00Z)");
    const int64_t from = checked_time("--from", o.from);
    const int64_t now = now_epoch();
    const int64_t to = o.to.empty() ? now : checked_time("--to", o.to);
    if (to > now)
      throw Refused("--to " + o.to + " is in the future (now is " + md::iso_utc(now) +
                    "); leave --to out to fetch up to now");
    if (to <= from)
      throw Refused("--to " + md::iso_utc(to) + " is not after --from " + md::iso_utc(from));
    range = history::align_range(from, to, *bar);
    if (range.start >= range.end)
      throw Refused("the range " + md::iso_utc(from) + " .. " + md::iso_utc(to) +
                    " holds no whole bar of " + std::string(bar->name));
    if (bar->seconds > 3600 && !history::chunk_duration(range))
      throw Refused(
          "bars over one hour go in one request of at most 50 years; the range is longer");
    // The whole request as the broker will check it (contract params, the first chunk's step).
    json probe = contract;
    const auto first = history::plan_chunks(range.start, range.end, *bar).front();
    probe["end"] = md::iso_utc(first.end);
    probe["duration"] = *history::chunk_duration(first);
    probe["bar_size"] = std::string(bar->name);
    probe["what_to_show"] = what;
    probe["use_rth"] = o.rth;
    check_params("historical_bars", probe);

    if (o.output.empty() || o.output == "-") {
      out.use_stdout();
    } else {
      try {
        existing = history::read_existing(o.output, format);
      } catch (const std::exception& e) {
        throw Refused("--output " + o.output + ": " + e.what());
      }
      out.open_file(o.output, existing ? existing->keep : 0, existing.has_value());
    }
  } catch (const Refused& e) {
    std::cerr << kName << e.what() << "\n";
    return kConfigExit;
  }

  // Resume: go on after the file's last bar.
  int64_t start = range.start;
  if (existing && existing->last_time) {
    const auto last = history::bar_epoch(*existing->last_time);
    if (!last) {
      std::cerr << kName << "--output " << o.output << ": its last bar's time '"
                << *existing->last_time << "' is not a bar time of this command\n";
      return kConfigExit;
    }
    start = std::max(start, history::resume_point(*last, *bar));
    if (start >= range.end) {
      std::cerr << kName << o.output << " already holds the bars up to " << *existing->last_time
                << "; nothing to fetch\n";
      return 0;
    }
    std::cerr << kName << "resuming " << o.output << " after its last bar " << *existing->last_time
              << "\n";
  }

  zmq::context_t context(1);
  mdp::ClientOptions client_options;
  client_options.curve = o.curve;
  mdp::Client client(context, o.broker, client_options);
  const std::string prefix = generate_job_id();
  auto envelope = [&](std::string id, json params, Priority priority, int attempt = 0) {
    JobRequest r;
    r.id = std::move(id);
    r.params = std::move(params);
    // A retry after TIMEOUT waits twice as long for its slot (at most 24 h).
    r.deadline_ms = std::min<uint64_t>(o.deadline_ms << attempt, 86400000);
    r.priority = priority;
    if (!o.client.empty()) r.client = o.client;
    return r;
  };
  const auto answer_wait = std::chrono::milliseconds(o.deadline_ms) + kAnswerMargin;

  // The contract's first bar: a --from before it is refused, not silently cut.
  if (o.check_head) {
    json p = contract;
    p["what_to_show"] = what;
    p["use_rth"] = o.rth;
    bool stopped = false;
    // A head timestamp does not move: an answer up to a day old is as good (a rerun, or another
    // download of the contract, costs no historical request and waits for no identical-request
    // window).
    auto head_request = envelope(prefix + "-head", p, Priority::kNormal);
    head_request.max_age_ms = kHeadMaxAgeMs;
    auto reply =
        run_one(client, signals, "head_timestamp", std::move(head_request), answer_wait, stopped);
    if (stopped) {
      out.discard_if_unused();
      std::cerr << kName << "interrupted while asking the head timestamp; nothing was written\n";
      return 130;
    }
    if (!reply) {
      out.discard_if_unused();
      const auto link = client.link();
      if (link && !link->up)
        std::cerr << kName
                  << mdp::describe(*link, o.broker, o.curve.has_value(),
                                   o.curve ? o.curve->own.public_key : std::string(), {})
                  << "; nothing was submitted\n";
      else
        std::cerr << kName << "no answer from " << o.broker
                  << " to the head timestamp request; see the broker's log (nothing was "
                     "submitted beyond it)\n";
      return 1;
    }
    if (!reply->ok) {
      out.discard_if_unused();
      std::cerr << kName << "the head timestamp request failed: " << error_text(*reply)
                << " (no chunk was submitted)\n";
      return reply->error && reply->error->code == ErrorCode::kBadRequest ? kConfigExit : 2;
    }
    const auto head_text = reply->result.value("head_timestamp", std::string());
    const auto head = history::bar_epoch(head_text);
    if (head && range.start < *head) {
      out.discard_if_unused();
      std::cerr << kName << "--from " << md::iso_utc(range.start)
                << " is before the first data IB has for this contract and what_to_show ("
                << head_text << "); give --from " << md::iso_utc(*head) << " or later\n";
      return kConfigExit;
    }
  }

  const auto plan = history::plan_chunks(start, range.end, *bar);
  if (format == Format::kCsv && !(existing && existing->has_header && existing->keep > 0)) {
    try {
      out.write(history::kCsvHeader);
    } catch (const std::exception& e) {
      std::cerr << kName << e.what() << "\n";
      return 1;
    }
  }

  history::ChunkOrder order;
  std::map<std::string, size_t> in_flight;  // job id -> chunk index
  size_t next_submit = 0;
  uint64_t bars_written = 0;
  Progress progress(o.progress && ::isatty(2), plan.size());
  auto last_answer = Clock::now();
  std::string failure;
  int exit_code = 0;
  bool interrupted = false;

  auto chunk_params = [&](const Chunk& c) {
    json p = contract;
    p["end"] = md::iso_utc(c.end);
    p["duration"] = *history::chunk_duration(c);
    p["bar_size"] = std::string(bar->name);
    p["what_to_show"] = what;
    p["use_rth"] = o.rth;
    return p;
  };
  auto submit_more = [&] {
    // Bounded memory: never more than in_flight chunks submitted ahead of the first unwritten.
    while (next_submit < plan.size() && in_flight.size() < o.in_flight &&
           next_submit < order.next() + o.in_flight) {
      const auto id = prefix + "-" + std::to_string(next_submit);
      client.send("historical_bars",
                  encode_request(envelope(id, chunk_params(plan[next_submit]), Priority::kBulk)));
      in_flight.emplace(id, next_submit++);
    }
  };
  // A chunk's answer -> its lines (only bars inside the chunk: a request reaches back to whole
  // days or years, and the broker's answer is the intent's whole result).
  auto chunk_text = [&](const Chunk& c, const json& result, uint64_t& count) {
    std::string text;
    for (const auto& b : result.value("bars", json::array())) {
      const auto t = history::bar_epoch(b.value("t", std::string()));
      if (!t || *t < c.start || *t >= c.end) continue;
      text += history::format_bar(b, format);
      ++count;
    }
    return text;
  };
  auto write_ready = [&] {
    while (auto text = order.pop()) out.write(*text);
  };
  // On a terminal, the broker's schedule for the ETA every few seconds (mmi.stats).
  bool stats_pending = false;
  auto last_stats = Clock::now() - std::chrono::hours(1);
  auto ask_schedule = [&] {
    if (!progress.on() || stats_pending || Clock::now() - last_stats < std::chrono::seconds(5))
      return;
    client.send("mmi.stats", std::string_view());
    stats_pending = true;
    last_stats = Clock::now();
  };
  // A dropped connection (a broker restart) loses the jobs it carried: once it is up again, the
  // chunks in flight are sent again with the same ids (safe: a broker that still has one attaches
  // the resend to it, docs/protocol.md §6.4), so the download goes on where it was.
  bool link_dropped = false;
  std::optional<mdp::LinkStatus::Clock::time_point> seen_down_since;
  size_t resent = 0;
  auto watch_link = [&] {
    const auto link = client.link();
    if (!link || !link->ever_up) return;
    // A drop and the reconnect may come in one batch of events: a new down_since says so.
    if (seen_down_since && link->down_since != *seen_down_since) link_dropped = true;
    seen_down_since = link->down_since;
    if (!link->up || !link_dropped) return;
    link_dropped = false;
    stats_pending = false;
    for (const auto& [id, index] : in_flight)
      client.send("historical_bars",
                  encode_request(envelope(id, chunk_params(plan[index]), Priority::kBulk)));
    resent += in_flight.size();
    last_answer = Clock::now();
    if (!progress.on())
      std::cerr << kName << "the connection to " << o.broker << " dropped and is back; sent the "
                << in_flight.size() << " chunks in flight again\n";
  };
  std::map<size_t, int> tries;  // retries per chunk index
  size_t retried = 0;
  // One reply off the socket (false: none came within `wait`).
  std::map<size_t, uint64_t> bars_of;  // bar counts of chunks held for order
  auto take_reply = [&](std::chrono::milliseconds wait) {
    auto reply = client.receive(wait);
    if (!reply || reply->body.size() != 1) return reply.has_value();
    if (reply->service == "mmi.stats") {
      stats_pending = false;
      try {
        const auto stats = msgpack_codec::to_json(reply->body[0]);
        const size_t remaining = plan.size() - order.next() - order.held();
        std::optional<std::string> pin;
        if (contract.contains("gateway") && contract["gateway"].is_string())
          pin = contract["gateway"].get<std::string>();
        progress.set_schedule(history::schedule_eta_seconds(stats, remaining, pin));
      } catch (const std::exception&) {
        // The ETA falls back to this run's pace.
      }
      return true;
    }
    JobReply r;
    try {
      r = decode_reply(reply->body[0]);
    } catch (const EnvelopeError& e) {
      failure = std::string("a reply that is not an envelope: ") + e.what();
      exit_code = 1;
      return true;
    }
    if (reply->service == mdp::kMmiCancel) return true;
    auto it = in_flight.find(r.id);
    if (it == in_flight.end()) return true;  // not ours (or already given up)
    const size_t index = it->second;
    in_flight.erase(it);
    last_answer = Clock::now();
    if (!r.ok) {
      // Waiting too long for a pacing slot (the broker's TIMEOUT) or IB's own pacing refusal is
      // worth another try, a few times, under a new id; anything else stops the download.
      const bool retryable = r.error && (r.error->code == ErrorCode::kTimeout ||
                                         r.error->code == ErrorCode::kGatewayPacing);
      if (retryable && !interrupted && failure.empty() && ++tries[index] <= kChunkRetries) {
        const auto id = prefix + "-" + std::to_string(index) + "-r" + std::to_string(tries[index]);
        client.send("historical_bars", encode_request(envelope(id, chunk_params(plan[index]),
                                                               Priority::kBulk, tries[index])));
        in_flight.emplace(id, index);
        ++retried;
        return true;
      }
      if (!interrupted && failure.empty()) {
        failure = "chunk " + std::to_string(index + 1) + " (" + md::iso_utc(plan[index].start) +
                  " .. " + md::iso_utc(plan[index].end) + ") failed: " + error_text(r);
        exit_code = 2;
      }
      return true;
    }
    uint64_t count = 0;
    order.put(index, chunk_text(plan[index], r.result, count));
    bars_of[index] = count;
    const size_t before = order.next();
    write_ready();
    for (size_t i = before; i < order.next(); ++i) {
      bars_written += bars_of[i];
      bars_of.erase(i);
    }
    return true;
  };

  try {
    submit_more();
    progress.show(0, 0, true);
    while (order.next() < plan.size() && failure.empty()) {
      zmq::pollitem_t items[] = {{client.socket().handle(), 0, ZMQ_POLLIN, 0},
                                 {nullptr, signals.fd(), ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, std::chrono::milliseconds(250));
      if (items[1].revents & ZMQ_POLLIN) {
        if (!signals.take().empty()) {
          interrupted = true;
          break;
        }
      }
      while (take_reply(std::chrono::milliseconds(0))) {
      }
      watch_link();
      if (failure.empty()) submit_more();
      ask_schedule();
      progress.show(order.next(), bars_written);
      // The broker answers every chunk by its deadline (a retry's is longer): silence beyond the
      // longest one in flight means the broker is gone.
      int longest = 0;
      for (const auto& [id, index] : in_flight) longest = std::max(longest, tries[index]);
      const auto silence =
          std::chrono::milliseconds(std::min<uint64_t>(o.deadline_ms << longest, 86400000)) +
          kAnswerMargin;
      if (!in_flight.empty() && Clock::now() - last_answer > silence) {
        failure = "no answer from " + o.broker + " for " + std::to_string(silence.count() / 1000) +
                  " s (beyond every chunk's deadline); is the broker up?";
        exit_code = 1;
      }
    }
    progress.show(order.next(), bars_written, true);
    progress.end();
    // Stop what is still queued or running (interrupted, or a chunk failed): only whole chunks
    // in order are in the file, so a rerun fetches exactly the rest.
    if (!in_flight.empty()) {
      for (const auto& [id, index] : in_flight) client.send(mdp::kMmiCancel, id);
      const auto until = Clock::now() + std::chrono::seconds(2);
      while (!in_flight.empty() && Clock::now() < until) take_reply(std::chrono::milliseconds(100));
    }
  } catch (const std::exception& e) {
    progress.end();
    std::cerr << kName << e.what() << "\n";
    return 1;
  }

  const std::string written = std::to_string(order.next()) + " of " + std::to_string(plan.size()) +
                              " chunks (" + std::to_string(bars_written) + " bars) written to " +
                              out.name();
  if (interrupted) {
    std::cerr << kName << "interrupted: " << written
              << "; the chunks still queued were cancelled. Run the same command again to "
                 "fetch the rest\n";
    return 130;
  }
  if (!failure.empty()) {
    std::cerr << kName << failure << "; " << written
              << (out.name() == "stdout" ? "" : ". Run the same command again to continue") << "\n";
    return exit_code;
  }
  std::cerr << kName << written;
  if (resent) std::cerr << " (" << resent << " chunks sent again after the connection dropped)";
  if (retried) std::cerr << " (" << retried << " chunks retried after TIMEOUT or GATEWAY_PACING)";
  std::cerr << "\n";
  return 0;
}

}  // namespace intentq::cli
