#include "http/job_store.hpp"

#include <algorithm>

namespace intentq::http {
namespace {

// Per-entry bookkeeping beyond the strings: map node, two index nodes, the waiter vector.
constexpr size_t kEntryOverhead = 256;

void erase_exact(std::multimap<Clock::time_point, std::string>& index, Clock::time_point at,
                 const std::string& id) {
  auto [begin, end] = index.equal_range(at);
  for (auto it = begin; it != end; ++it)
    if (it->second == id) {
      index.erase(it);
      return;
    }
}

}  // namespace

size_t JobStore::bytes_of(const std::string& id, const Entry& entry) {
  return kEntryOverhead + id.size() + entry.intent.size() + entry.params_key.size() +
         entry.reply.body.size();
}

void JobStore::erase(std::unordered_map<std::string, Entry>::iterator it) {
  Entry& entry = it->second;
  if (entry.done)
    erase_exact(finished_order_, entry.finished, it->first);
  else {
    erase_exact(wait_order_, entry.wait_until, it->first);
    --pending_;
  }
  bytes_ -= entry.bytes;
  entries_.erase(it);
}

void JobStore::abandon(const std::string& id) {
  auto it = entries_.find(id);
  if (it != entries_.end() && !it->second.done) erase(it);
}

bool JobStore::make_room(size_t bytes) {
  while (entries_.size() + 1 > limits_.max_entries || bytes_ + bytes > limits_.max_bytes) {
    if (finished_order_.empty()) return false;
    erase(entries_.find(finished_order_.begin()->second));
  }
  return true;
}

JobStore::Admit JobStore::admit(const std::string& id, const std::string& intent,
                                const std::string& params_key, Clock::time_point now,
                                Clock::time_point wait_until, const std::string& caller) {
  if (auto it = entries_.find(id); it != entries_.end()) {
    Entry& entry = it->second;
    if (entry.intent != intent || entry.params_key != params_key) return Admit::kConflict;
    if (entry.done) return Admit::kDone;
    if (std::find(entry.callers.begin(), entry.callers.end(), caller) == entry.callers.end() &&
        entry.callers.size() < limits_.max_waiters)
      entry.callers.push_back(caller);
    return Admit::kPending;
  }
  Entry entry;
  entry.callers.push_back(caller);
  entry.intent = intent;
  entry.params_key = params_key;
  entry.wait_until = wait_until;
  entry.bytes = bytes_of(id, entry);
  if (!make_room(entry.bytes)) return Admit::kFull;
  bytes_ += entry.bytes;
  ++pending_;
  wait_order_.emplace(wait_until, id);
  entries_.emplace(id, std::move(entry));
  return Admit::kNew;
}

bool JobStore::wait(const std::string& id, Waiter waiter) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.done) return false;
  if (it->second.waiters.size() >= limits_.max_waiters) return false;
  it->second.waiters.push_back(std::move(waiter));
  return true;
}

JobStore::Cancel JobStore::may_cancel(const std::string& id, const std::string& caller) const {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.done) return Cancel::kUnknown;
  const auto& callers = it->second.callers;
  if (std::find(callers.begin(), callers.end(), caller) == callers.end()) return Cancel::kUnknown;
  return callers.size() == 1 ? Cancel::kMine : Cancel::kShared;
}

const StoredReply* JobStore::reply(const std::string& id, bool* pending) const {
  auto it = entries_.find(id);
  if (pending) *pending = it != entries_.end() && !it->second.done;
  if (it == entries_.end() || !it->second.done) return nullptr;
  return &it->second.reply;
}

std::optional<std::string> JobStore::intent_of(const std::string& id) const {
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return it->second.intent;
}

std::vector<JobStore::Waiter> JobStore::complete(const std::string& id, StoredReply reply,
                                                 Clock::time_point now) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.done) return {};
  Entry& entry = it->second;
  std::vector<Waiter> waiters = std::move(entry.waiters);
  erase_exact(wait_order_, entry.wait_until, id);
  --pending_;
  entry.done = true;
  entry.finished = now;
  entry.reply = std::move(reply);
  bytes_ -= entry.bytes;
  entry.bytes = bytes_of(id, entry);
  bytes_ += entry.bytes;
  finished_order_.emplace(now, id);
  // A reply larger than the whole byte bound is still delivered to its waiters, just not kept.
  while (bytes_ > limits_.max_bytes && !finished_order_.empty())
    erase(entries_.find(finished_order_.begin()->second));
  return waiters;
}

std::vector<std::string> JobStore::expired(Clock::time_point now) {
  while (!finished_order_.empty() && finished_order_.begin()->first + limits_.ttl <= now)
    erase(entries_.find(finished_order_.begin()->second));
  std::vector<std::string> ids;
  for (auto it = wait_order_.begin(); it != wait_order_.end() && it->first <= now; ++it)
    ids.push_back(it->second);
  return ids;
}

}  // namespace intentq::http
