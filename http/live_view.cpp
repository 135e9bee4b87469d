#include "http/live_view.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace intentq::http {
namespace {

// Up to 4 account ids a result names: `accounts`, `account`, or the `account` of list rows.
nlohmann::json accounts_of(const nlohmann::json& result) {
  std::set<std::string> found;
  auto take = [&](const nlohmann::json& v) {
    if (v.is_string() && found.size() < 4) found.insert(v.get<std::string>());
  };
  if (!result.is_object()) return nlohmann::json::array();
  if (auto it = result.find("accounts"); it != result.end() && it->is_array())
    for (const auto& a : *it) take(a);
  if (auto it = result.find("account"); it != result.end()) take(*it);
  for (const auto& [key, value] : result.items()) {
    if (!value.is_array()) continue;
    size_t looked = 0;
    for (const auto& row : value) {
      if (++looked > 50 || found.size() >= 4) break;
      if (row.is_object())
        if (auto a = row.find("account"); a != row.end()) take(*a);
    }
  }
  return nlohmann::json(found);
}

}  // namespace

void LiveView::advance(std::chrono::system_clock::time_point now) {
  const int64_t second =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (buckets_.empty()) buckets_.push_back({second - 1, 0, 0});
  // A clock step backwards keeps the last bucket; a long gap adds at most kSeconds buckets.
  int64_t next = std::max(buckets_.back().second + 1, second - static_cast<int64_t>(kSeconds));
  for (; next <= second; ++next) buckets_.push_back({next, 0, 0});
  while (buckets_.size() > kSeconds) buckets_.pop_front();
}

void LiveView::add(const nlohmann::json& reply, std::chrono::system_clock::time_point now) {
  advance(now);
  nlohmann::json row = nlohmann::json::object();
  row["seq"] = ++seq_;
  row["time_ms"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  bool ok = false;
  if (reply.is_object()) {
    for (const char* key : {"id", "intent", "status", "worker"})
      if (auto it = reply.find(key); it != reply.end() && it->is_string()) row[key] = *it;
    ok = reply.value("status", "") == "ok";
    if (auto e = reply.find("error"); e != reply.end() && e->is_object())
      if (auto c = e->find("code"); c != e->end() && c->is_string()) row["code"] = *c;
    if (auto t = reply.find("timings_ms"); t != reply.end() && t->is_object()) {
      double latency = 0;
      bool any = false;
      for (const char* key : {"queued", "run"})
        if (auto v = t->find(key); v != t->end() && v->is_number()) {
          latency += v->get<double>();
          any = true;
        }
      if (any) row["latency_ms"] = latency;
      const auto queued = t->find("queued");
      const auto intent = reply.find("intent");
      if (queued != t->end() && queued->is_number() && intent != reply.end() &&
          intent->is_string() && !intent->get_ref<const std::string&>().empty()) {
        const auto& name = intent->get_ref<const std::string&>();
        auto it = waits_.find(name);
        if (it == waits_.end() && waits_.size() < kMaxIntents)
          it = waits_.emplace(name, std::deque<double>{}).first;
        if (it != waits_.end()) {
          it->second.push_back(queued->get<double>());
          if (it->second.size() > kWaitSamples) it->second.pop_front();
        }
      }
    }
    if (auto r = reply.find("result"); r != reply.end()) row["accounts"] = accounts_of(*r);
  }
  if (ok)
    ++buckets_.back().ok;
  else
    ++buckets_.back().error;
  recent_.push_back(std::move(row));
  while (recent_.size() > kRecent) recent_.pop_front();
}

nlohmann::json LiveView::recent(uint64_t after) const {
  auto out = nlohmann::json::array();
  for (const auto& row : recent_)
    if (row["seq"].get<uint64_t>() > after) out.push_back(row);
  return out;
}

nlohmann::json LiveView::series() const {
  auto out = nlohmann::json::array();
  for (const auto& b : buckets_) out.push_back({b.second, b.ok, b.error});
  return out;
}

nlohmann::json LiveView::waits() const {
  auto out = nlohmann::json::object();
  for (const auto& [intent, samples] : waits_) {
    std::vector<double> sorted(samples.begin(), samples.end());
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double p) {
      return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
    };
    out[intent] = {{"p50", at(0.50)}, {"p99", at(0.99)}, {"samples", sorted.size()}};
  }
  return out;
}

nlohmann::json LiveView::last_point() const {
  // The last complete second (the current one is still filling).
  if (buckets_.size() < 2) return nullptr;
  const auto& b = buckets_[buckets_.size() - 2];
  return {b.second, b.ok, b.error};
}

}  // namespace intentq::http
