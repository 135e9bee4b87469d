#include "broker/subscriber_guard.hpp"

namespace intentq::broker {

SubscriberGuard::Verdict SubscriberGuard::on_connected(int fd) {
  // A descriptor number seen before belongs to a connection that closed: start afresh.
  forget(fd);
  cut_.erase(fd);
  if (connections_.size() >= limits_.max_subscribers) {
    ++refused_;
    cut_.insert(fd);
    return Verdict::kTooManySubscribers;
  }
  connections_[fd];
  return Verdict::kOk;
}

void SubscriberGuard::on_disconnected(int fd) {
  forget(fd);
}

void SubscriberGuard::forget(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  topics_ -= it->second.size();
  connections_.erase(it);
}

SubscriberGuard::Verdict SubscriberGuard::on_subscription(int fd, bool subscribe,
                                                          std::string_view topic) {
  if (fd < 0) {
    if (subscribe)
      ++unattributed_;
    else if (unattributed_ > 0)
      --unattributed_;
    return Verdict::kOk;
  }
  if (cut_.count(fd)) return Verdict::kOk;  // being closed; libzmq drops its topics then
  auto it = connections_.find(fd);
  // An unsubscription from a connection we do not know (libzmq reports them for a connection
  // that closed): nothing to forget, and no record to make.
  if (it == connections_.end() && !subscribe) return Verdict::kOk;
  if (it == connections_.end()) {
    // Its connection event has not been read yet (two channels, no order between them).
    if (connections_.size() >= limits_.max_subscribers) {
      ++refused_;
      cut_.insert(fd);
      return Verdict::kTooManySubscribers;
    }
    it = connections_.emplace(fd, std::set<std::string, std::less<>>{}).first;
  }
  auto& topics = it->second;
  if (!subscribe) {
    if (auto t = topics.find(topic); t != topics.end()) {
      topics.erase(t);
      --topics_;
    }
    return Verdict::kOk;
  }
  Verdict v = Verdict::kOk;
  if (topic.size() > limits_.max_topic_bytes)
    v = Verdict::kTooLong;
  else if (!topics.count(topic) && topics.size() >= limits_.max_topics)
    v = Verdict::kTooManyTopics;
  if (v != Verdict::kOk) {
    ++refused_;
    forget(fd);
    cut_.insert(fd);
    return v;
  }
  if (topics.emplace(topic).second) ++topics_;
  return v;
}

}  // namespace intentq::broker
