// What the broker core reports about jobs as they happen, for the metrics layer
// (broker/metrics.hpp). The core stays free of clocks and sockets: it passes durations it computed
// from the `now` it was given, so unit tests can check every call deterministically.
//
// Calls happen synchronously inside Broker's event handlers: implementations must be cheap and
// must not call back into the Broker. Without an observer the core skips all of this.
#pragma once

#include <optional>
#include <string_view>

#include "broker/config.hpp"
#include "common/errors.hpp"

namespace intentq::broker {

class JobObserver {
 public:
  virtual ~JobObserver() = default;

  // A job, or a request the broker refused without making a job, got its answer. `intent` is the
  // service name when some worker registered it (so bounded by --max-services), "" when the
  // request named no registered service (unknown or invalid names: never a label of their own).
  // `error` is nullopt for a successful answer (a plain MDP service's reply counts as one), else
  // the code the submitter received. Each job counts once, however many submitters it had;
  // answers from the dedup and reuse caches and coalesced riders are not jobs.
  virtual void on_answer(std::string_view intent, std::optional<ErrorCode> error) = 0;

  // A job was handed to a worker for the first time, `wait` after the broker accepted it.
  virtual void on_dispatch(std::string_view intent, Clock::duration wait) = 0;

  // The worker holding a job replied, `run` after the job was dispatched to it (also when the
  // job had already been answered TIMEOUT and the reply is dropped).
  virtual void on_reply(std::string_view intent, Clock::duration run) = 0;
};

}  // namespace intentq::broker
