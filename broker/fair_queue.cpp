#include "broker/fair_queue.hpp"

#include <algorithm>

namespace intentq::broker {

int64_t FairQueue::push(uint64_t seq, size_t priority, const std::string& submitter, bool front) {
  auto& level = levels_[std::min(priority, kClasses - 1)];
  auto [it, fresh] = level.lanes.try_emplace(submitter);
  if (fresh) {
    it->second.turn = ++turn_;  // a newcomer waits for the current round
    level.order.emplace(it->second.turn, submitter);
  }
  const int64_t position = front ? --front_ : ++back_;
  it->second.jobs.emplace(position, seq);
  ++size_;
  return position;
}

bool FairQueue::remove(uint64_t seq, size_t priority, const std::string& submitter,
                       int64_t position) {
  auto& level = levels_[std::min(priority, kClasses - 1)];
  auto it = level.lanes.find(submitter);
  if (it == level.lanes.end()) return false;
  if (it->second.jobs.erase({position, seq}) == 0) return false;
  --size_;
  if (it->second.jobs.empty()) {
    level.order.erase({it->second.turn, submitter});
    level.lanes.erase(it);
  }
  return true;
}

void FairQueue::take(uint64_t seq, size_t priority, const std::string& submitter,
                     int64_t position) {
  auto& level = levels_[std::min(priority, kClasses - 1)];
  auto it = level.lanes.find(submitter);
  if (it == level.lanes.end()) return;
  if (it->second.jobs.erase({position, seq}) == 0) return;
  --size_;
  level.order.erase({it->second.turn, submitter});
  if (it->second.jobs.empty()) {
    level.lanes.erase(it);
    return;
  }
  it->second.turn = ++turn_;
  level.order.emplace(it->second.turn, submitter);
}

size_t FairQueue::submitters() const {
  size_t n = 0;
  for (const auto& level : levels_) n += level.lanes.size();
  return n;
}

}  // namespace intentq::broker
