// intentq: the command-line client.
//
//   intentq submit INTENT [--param k=v]... [--params-json JSON] [--id ID] [--deadline-ms N]
//                  [--max-age-ms N] [--priority interactive|normal|bulk] [--client NAME]
//                  [--broker EP] [--timeout-ms N] [--retries N] [--connect-timeout-ms N]
//                  [--compact]
//   intentq watch [--publish EP] [--topic PREFIX]... [--count N] [--connect-timeout-ms N]
//   intentq stats [--broker EP] [--connect-timeout-ms N]
//   intentq cancel ID [--broker EP] [--timeout-ms N] [--retries N] [--compact]
//   intentq history --param k=v... --from ISO [--to ISO] [--bar-size S] [--what-to-show W]
//                   [--rth|--all-hours] [--format csv|jsonl] [--output FILE] [--in-flight N]
//                   [--deadline-ms N] [--client NAME] [--no-head-check] [--no-progress]
//   intentq keygen DIR [--name NAME]
//
// Exit codes: 0 ok, 2 the job ended with an error reply, 78 (EX_CONFIG) a refused option or
// config file (bad value, unknown key, wrong usage), 1 connection problems (the connection
// message says which: nothing listens, CURVE refused, or connected but no reply).
// The connection options are also INTENTQ_* environment variables (INTENTQ_BROKER is the
// broker's frontend here, INTENTQ_PUBLISH, INTENTQ_TIMEOUT_MS, INTENTQ_RETRIES, ...) and keys of
// a --config file with a [submit], [watch] or [stats] section (common/program_options.hpp).
// CURVE: --curve-server-key KEY|FILE --curve-secret FILE (or INTENTQ_CURVE_SERVER_KEY,
// INTENTQ_CURVE_SECRET) on submit, watch and stats.
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/keygen.hpp"
#include "common/curve_options.hpp"
#include "common/endpoint_check.hpp"
#include "common/envelope.hpp"
#include "common/program_options.hpp"

namespace {

void add_connect_timeout(CLI::App& cmd, int64_t& connect_timeout_ms) {
  intentq::add_bounded(cmd, "--connect-timeout-ms", connect_timeout_ms,
                       "give up when no connection to the broker is up for this long (nothing "
                       "listens, host unreachable); raise it to ride out a long broker outage",
                       int64_t{1}, int64_t{3600000});
}

// The options of a subcommand that asks the broker: --broker, --compact (for a `compact` flag to
// set), --timeout-ms, --retries and --connect-timeout-ms. CLI11 parses the times as milliseconds
// into this; apply() sets them.
struct BrokerOptions {
  BrokerOptions(CLI::App& cmd, intentq::cli::BrokerLink& link, int64_t default_timeout_ms,
                bool* compact = nullptr)
      : link_(link),
        timeout_ms_(default_timeout_ms),
        connect_timeout_ms_(link.retry.connect_timeout.count()) {
    cmd.add_option("--broker", link.broker, "broker frontend endpoint")->capture_default_str();
    if (compact) cmd.add_flag("--compact", *compact, "print the reply on one line");
    intentq::add_bounded(cmd, "--timeout-ms", timeout_ms_,
                         "wait this long for a reply before resending", int64_t{1},
                         int64_t{3600000});
    intentq::add_bounded(cmd, "--retries", link.retry.retries, "resends (same id) before giving up",
                         0, 100);
    add_connect_timeout(cmd, connect_timeout_ms_);
  }
  BrokerOptions(const BrokerOptions&) = delete;  // CLI11 holds pointers to the members

  // Checks the endpoint, sets the retry times.
  void apply() const {
    intentq::check_endpoint("--broker", link_.broker, intentq::EndpointUse::kConnect);
    link_.retry.timeout = std::chrono::milliseconds(timeout_ms_);
    link_.retry.connect_timeout = std::chrono::milliseconds(connect_timeout_ms_);
  }

 private:
  intentq::cli::BrokerLink& link_;
  int64_t timeout_ms_;
  int64_t connect_timeout_ms_;
};

// --deadline-ms: milliseconds from 1 to 24 h, or 0 for the broker's default (as leaving it out).
// A negative or non-numeric value is a mistake, refused here with what to give instead.
std::string check_deadline(const std::string& text) {
  try {
    size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used == text.size() && value >= 0 && value <= 86400000) return {};
  } catch (const std::exception&) {
  }
  return "--deadline-ms must be a whole number of milliseconds from 1 to 86400000 (24 h), or 0 "
         "for the broker's default (--default-deadline-ms, 30000); got '" +
         text + "'";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace intentq::cli;
  CLI::App app{"intentq: submit intent jobs to intentq-broker, watch results, read stats"};
  app.require_subcommand(1);
  intentq::ProgramOptions config(app, "intentq", kConfigExit);
  const std::string broker = kDefaultFrontend;
  const std::string publish = kDefaultPublish;

  SubmitOptions submit;
  submit.broker = broker;
  int64_t deadline_ms = 0;
  auto* submit_cmd = app.add_subcommand("submit", "submit one job and print its reply as JSON");
  submit_cmd->add_option("intent", submit.intent, "intent (service) name")->required();
  submit_cmd->add_option("--param", submit.params, "a param as key=value (repeatable)");
  submit_cmd->add_option("--params-json", submit.params_json, "params as a JSON object");
  submit_cmd->add_option("--id", submit.id, "job id (default: generated)");
  auto* deadline_opt =
      submit_cmd
          ->add_option("--deadline-ms", deadline_ms,
                       "job deadline, 1 to 86400000 ms; 0 or unset: the broker's "
                       "--default-deadline-ms (30000); submit waits for the answer this long")
          ->check(CLI::Validator(check_deadline, "MS"));
  submit_cmd
      ->add_option("--max-age-ms", submit.max_age_ms,
                   "accept an answer up to this old, shared from an identical recent job "
                   "(0: always fetch fresh; docs/protocol.md 6.8)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 53));
  submit_cmd
      ->add_option("--priority", submit.priority,
                   "class in a historical queue: interactive, normal or bulk (docs/protocol.md "
                   "6.11)")
      ->check(CLI::IsMember({"interactive", "normal", "bulk"}));
  submit_cmd
      ->add_option("--client", submit.client,
                   "who submits, for fair shares in a historical queue (1..128 printable "
                   "characters, no spaces; default: this connection)")
      ->check(CLI::Validator(
          [](std::string& v) {
            return intentq::valid_client_name(v) ? std::string()
                                                 : std::string(
                                                       "must be 1..128 printable ASCII "
                                                       "characters without spaces");
          },
          "NAME"));
  BrokerOptions submit_broker(*submit_cmd, submit, submit.retry.timeout.count(), &submit.compact);

  WatchOptions watch;
  watch.publish = publish;
  uint64_t count = 0;
  auto* watch_cmd = app.add_subcommand("watch", "print published results, one JSON line each");
  watch_cmd->add_option("--publish", watch.publish, "broker publish endpoint")
      ->capture_default_str();
  watch_cmd->add_option("--topic", watch.topics,
                        "topic prefix, e.g. result.summary or result.echo.error (repeatable)");
  auto* count_opt = watch_cmd->add_option("--count", count, "exit after this many results")
                        ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 53));
  int64_t watch_connect_ms = watch.connect_timeout.count();
  add_connect_timeout(*watch_cmd, watch_connect_ms);

  StatsOptions stats;
  stats.broker = broker;
  stats.retry.retries = 1;
  auto* stats_cmd = app.add_subcommand("stats", "print the broker's mmi.stats as JSON");
  BrokerOptions stats_broker(*stats_cmd, stats, 2500);

  CancelOptions cancel;
  cancel.broker = broker;
  cancel.retry.retries = 1;
  auto* cancel_cmd = app.add_subcommand(
      "cancel",
      "cancel a queued or running job you submitted (mmi.cancel); its submitter gets CANCELLED. "
      "Only the submitter may: with CURVE, the same key; without, only the submitting connection");
  cancel_cmd->add_option("id", cancel.id, "the job id")->required();
  BrokerOptions cancel_broker(*cancel_cmd, cancel, 2500, &cancel.compact);

  HistoryOptions history;
  history.broker = broker;
  bool no_head_check = false, no_progress = false;
  auto* history_cmd = app.add_subcommand(
      "history",
      "download a contract's bars over a time range as many historical_bars jobs of priority "
      "bulk (paced by the broker), written in time order as CSV or JSON lines; a rerun into the "
      "same file fetches only what is missing; Ctrl-C cancels the queued chunks");
  history_cmd
      ->add_option("--param", history.params,
                   "the contract as key=value, as for submit (con_id=265598, or "
                   "symbol=AAPL sec_type=STK exchange=SMART currency=USD ...; gateway=ID)")
      ->required();
  history_cmd
      ->add_option("--from", history.from, "range start, ISO-8601 UTC (2026-01-02T00:00:00Z)")
      ->required();
  history_cmd->add_option("--to", history.to, "range end, ISO-8601 UTC (default: now)");
  history_cmd->add_option("--bar-size", history.bar_size, "IB bar size (1 secs .. 1M)")
      ->capture_default_str();
  history_cmd->add_option("--what-to-show", history.what_to_show, "TRADES, MIDPOINT, BID, ...")
      ->capture_default_str();
  history_cmd->add_flag("--rth,!--all-hours", history.rth,
                        "regular trading hours only (default), or --all-hours");
  history_cmd->add_option("--format", history.format, "csv or jsonl")->capture_default_str();
  history_cmd->add_option("--output,-o", history.output,
                          "file to write (and resume); - or "
                          "unset: stdout");
  intentq::add_bounded(*history_cmd, "--in-flight", history.in_flight, "chunks submitted at once",
                       size_t{1}, size_t{256});
  history_cmd
      ->add_option("--deadline-ms", history.deadline_ms,
                   "each chunk's deadline: how long it may wait for its pacing slot")
      ->check(CLI::Range(uint64_t{1000}, uint64_t{86400000}))
      ->capture_default_str();
  history_cmd->add_option("--client", history.client,
                          "the envelope's client name (fair shares between submitters)");
  history_cmd->add_flag("--no-head-check", no_head_check,
                        "do not ask head_timestamp first (a --from before the contract's first "
                        "bar is then not refused)");
  history_cmd->add_flag("--no-progress", no_progress, "no progress bar on a terminal");
  history_cmd->add_option("--broker", history.broker, "broker frontend endpoint")
      ->capture_default_str();

  // CURVE (submit, watch, stats, cancel, history): --curve-server-key and --curve-secret on each.
  intentq::curve::ClientOptions curve_options;
  for (auto* cmd : {submit_cmd, watch_cmd, stats_cmd, cancel_cmd, history_cmd})
    curve_options.add_to(*cmd);

  KeygenOptions keygen;
  auto* keygen_cmd = add_keygen_command(app, keygen);

  // What one call asks for is not configuration: no environment variable, no file key.
  config.finish({"--param", "--params-json", "--id", "--deadline-ms", "--max-age-ms", "--priority",
                 "--compact", "--topic", "--count", "--name", "--from", "--to", "--bar-size",
                 "--what-to-show", "--rth", "--format", "--output", "--no-head-check",
                 "--no-progress"});
  if (auto exit = config.parse(argc, argv)) return *exit;

  try {
    if (keygen_cmd->parsed()) return run_keygen(keygen);
    const auto curve_keys = curve_options.load();
    submit.curve = watch.curve = stats.curve = cancel.curve = history.curve = curve_keys;
    if (submit_cmd->parsed()) {
      submit_broker.apply();
      // 0 is the broker's default: not sent (the wire format has no 0 deadline).
      if (deadline_opt->count() > 0 && deadline_ms > 0)
        submit.deadline_ms = static_cast<uint64_t>(deadline_ms);
      return run_submit(submit);
    }
    if (watch_cmd->parsed()) {
      intentq::check_endpoint("--publish", watch.publish, intentq::EndpointUse::kConnect);
      if (count_opt->count() > 0) watch.count = count;
      watch.connect_timeout = std::chrono::milliseconds(watch_connect_ms);
      return run_watch(watch);
    }
    if (stats_cmd->parsed()) {
      stats_broker.apply();
      return run_stats(stats);
    }
    if (cancel_cmd->parsed()) {
      cancel_broker.apply();
      return run_cancel(cancel);
    }
    if (history_cmd->parsed()) {
      intentq::check_endpoint("--broker", history.broker, intentq::EndpointUse::kConnect);
      history.check_head = !no_head_check;
      history.progress = !no_progress;
      if (!history.client.empty() && !intentq::valid_client_name(history.client))
        return config.refuse("--client must be 1..128 printable ASCII bytes without spaces");
      return run_history(history);
    }
  } catch (const std::exception& e) {
    return config.refuse(e.what());
  }
  return 1;
}
