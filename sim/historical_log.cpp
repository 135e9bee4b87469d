#include "sim/historical_log.hpp"

#include <type_traits>
#include <variant>

namespace intentq::sim {
namespace {

// A client chooses these strings: the log keeps at most this many bytes of each, so an entry stays
// small whatever a client sends.
constexpr size_t kMaxFieldBytes = 64;

std::string field(const std::string& s) {
  return s.substr(0, kMaxFieldBytes);
}

}  // namespace

std::string verdict_name(HistoricalVerdict v) {
  switch (v) {
    case HistoricalVerdict::kOk:
      return "ok";
    case HistoricalVerdict::kIdentical:
      return "identical_15s";
    case HistoricalVerdict::kSameContract:
      return "same_contract_2s";
    case HistoricalVerdict::kWindow:
      return "window_10min";
    case HistoricalVerdict::kOpenLimit:
      return "open_limit_322";
  }
  return "unknown";
}

std::optional<HistoricalLogEntry> historical_log_entry(const gw::ClientMessage& m) {
  return std::visit(
      [](const auto& r) -> std::optional<HistoricalLogEntry> {
        using T = std::decay_t<decltype(r)>;
        HistoricalLogEntry e;
        if constexpr (std::is_same_v<T, gw::ReqHistoricalData>) {
          e.message = "reqHistoricalData";
          e.req_id = r.req_id;
          e.con_id = r.request.contract.con_id;
          e.what_to_show = field(r.request.what_to_show);
          e.end = field(r.request.end_date_time);
          e.bar_size = field(r.request.bar_size);
          e.duration = field(r.request.duration);
        } else if constexpr (std::is_same_v<T, gw::ReqHeadTimestamp>) {
          e.message = "reqHeadTimestamp";
          e.req_id = r.req_id;
          e.con_id = r.request.contract.con_id;
          e.what_to_show = field(r.request.what_to_show);
        } else if constexpr (std::is_same_v<T, gw::CancelHistoricalData>) {
          e.message = "cancelHistoricalData";
          e.req_id = r.req_id;
        } else if constexpr (std::is_same_v<T, gw::CancelHeadTimestamp>) {
          e.message = "cancelHeadTimestamp";
          e.req_id = r.req_id;
        } else {
          return std::nullopt;
        }
        return e;
      },
      m);
}

void HistoricalLog::add(HistoricalLogEntry e) {
  if (capacity_ == 0) return;
  if (entries_.size() >= capacity_) {
    entries_.pop_front();
    ++dropped_;
  }
  entries_.push_back(std::move(e));
}

nlohmann::json HistoricalLog::to_json() const {
  auto out = nlohmann::json::array();
  for (const auto& e : entries_) {
    nlohmann::json j = {
        {"t_ms", e.t_ms}, {"conn", e.conn}, {"req_id", e.req_id}, {"msg", e.message}};
    if (!e.verdict.empty()) {
      j["verdict"] = e.verdict;
      j["con_id"] = e.con_id;
      j["what_to_show"] = e.what_to_show;
      if (e.message == "reqHistoricalData") {
        j["end"] = e.end;
        j["bar_size"] = e.bar_size;
        j["duration"] = e.duration;
      }
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace intentq::sim
