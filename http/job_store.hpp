// The jobs an HTTP front has submitted, by id: who waits for each, and each reply for a while after
// it came (GET /v1/jobs/{id}). Bounded in entries and bytes; finished entries leave after a TTL or,
// when the store is full, oldest first. Pending entries never leave before their reply or their
// wait bound (the caller answers them 504 then), so a full store of pending jobs refuses new ones.
//
// Ids are keys across intents: the same id with another intent or other params is a conflict
// (409), because GET /v1/jobs/{id} names no intent and the broker would answer the second request
// with the first one's cached reply.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace intentq::http {

using Clock = std::chrono::steady_clock;

// A reply as HTTP sends it: status, Retry-After seconds (0: none) and the JSON body.
struct StoredReply {
  int status = 200;
  int retry_after_s = 0;
  std::string body;
};

class JobStore {
 public:
  using Waiter = std::function<void(const StoredReply&)>;

  struct Limits {
    size_t max_entries = 10000;
    size_t max_bytes = 64u << 20;
    std::chrono::milliseconds ttl{300000};  // how long a finished reply stays readable
    size_t max_waiters = 1024;              // HTTP requests waiting for one id
  };

  enum class Admit {
    kNew,       // stored as pending: the caller sends it to the broker
    kPending,   // the id is pending already: the caller may add a waiter
    kDone,      // the reply is here: reply() has it
    kConflict,  // the id is known with another intent or other params
    kFull,      // no room (every entry pending, or the bytes bound)
  };

  explicit JobStore(Limits limits) : limits_(limits) {}

  // `wait_until`: when a pending job is given up on (expired() returns it). `caller`: who asks
  // (the bearer token's name; "" without tokens): the callers of a pending id may cancel it.
  Admit admit(const std::string& id, const std::string& intent, const std::string& params_key,
              Clock::time_point now, Clock::time_point wait_until, const std::string& caller = "");

  // Whether `caller` may cancel `id` (DELETE /v1/jobs/{id}): the broker sees this front as the
  // owner of every job it submitted, so the front keeps the per-caller rule itself.
  enum class Cancel {
    kUnknown,  // not pending here, or not submitted by this caller (the same answer for both)
    kShared,   // pending, but other callers wait for the same id too: not this caller's alone
    kMine,     // pending and only this caller submitted it
  };
  Cancel may_cancel(const std::string& id, const std::string& caller) const;
  // Adds a waiter to a pending id; false when the id is not pending or has max_waiters already.
  bool wait(const std::string& id, Waiter waiter);

  // The finished reply of `id`, or nullptr. `pending` tells a pending id apart from an unknown one.
  const StoredReply* reply(const std::string& id, bool* pending = nullptr) const;
  std::optional<std::string> intent_of(const std::string& id) const;

  // Stores the reply of a pending id and hands its waiters to the caller (call them after this
  // returns: a waiter may use the store). Empty when the id is not pending (a late or foreign
  // reply).
  std::vector<Waiter> complete(const std::string& id, StoredReply reply, Clock::time_point now);

  // Forgets a pending id that never reached the broker (its submission may be retried as new).
  void abandon(const std::string& id);

  // Pending ids whose wait bound passed (the caller completes them with its own reply), and
  // finished entries past the TTL are dropped.
  std::vector<std::string> expired(Clock::time_point now);

  size_t size() const { return entries_.size(); }
  size_t pending() const { return pending_; }
  size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    std::string intent;
    std::string params_key;
    bool done = false;
    StoredReply reply;
    Clock::time_point finished;
    Clock::time_point wait_until;
    std::vector<Waiter> waiters;
    std::vector<std::string> callers;  // distinct, at most max_waiters (pending only)
    size_t bytes = 0;
  };
  static size_t bytes_of(const std::string& id, const Entry& entry);
  bool make_room(size_t bytes);
  void erase(std::unordered_map<std::string, Entry>::iterator it);

  Limits limits_;
  std::unordered_map<std::string, Entry> entries_;
  std::multimap<Clock::time_point, std::string> finished_order_;  // finish time -> id
  std::multimap<Clock::time_point, std::string> wait_order_;      // wait bound -> pending id
  size_t pending_ = 0;
  size_t bytes_ = 0;
};

}  // namespace intentq::http
