#include "gateway/request_table.hpp"

#include <algorithm>
#include <type_traits>

#include "gateway/ib_errors.hpp"

namespace intentq::gw {
namespace {

constexpr size_t kMaxEarlyCommissions = 256;

bool same_group(RequestKind a, RequestKind b) {
  return a == b || (spec(a).sharing == Sharing::kOneGroup && spec(b).sharing == Sharing::kOneGroup);
}

}  // namespace

bool PendingRequest::missing_commissions() const {
  return std::any_of(fills.begin(), fills.end(), [](const Fill& f) { return !f.commission; });
}

ErrorClass classify_error(const ErrorMessage& e) {
  if (e.code == 326) return ErrorClass::kClientIdInUse;
  if (e.code == 1100 || e.code == 1101 || e.code == 1102 || e.code == 1300 || e.code == 2110)
    return ErrorClass::kConnectivity;
  // IB's 2100-range codes are warnings and notices (farm status, ...), whatever their id.
  if (e.code >= 2100 && e.code < 2200) return ErrorClass::kNotice;
  return ErrorClass::kRequest;
}

GatewayError request_error(const ErrorMessage& e) {
  auto kind = is_pacing(classify_ib_error(e.code, e.message).kind) ? GatewayError::Kind::kPacing
                                                                   : GatewayError::Kind::kIb;
  return GatewayError(kind, "IB error " + std::to_string(e.code) + ": " + e.message, e.code);
}

std::shared_ptr<PendingRequest> RequestTable::add(RequestKind kind,
                                                  std::shared_ptr<asio::steady_timer> wakeup) {
  auto r = std::make_shared<PendingRequest>();
  r->kind = kind;
  if (has_request_id(kind)) r->req_id = next_id_++;
  r->wakeup = std::move(wakeup);
  entries_.push_back(r);
  return r;
}

std::shared_ptr<PendingRequest> RequestTable::find_active(RequestKind kind) const {
  for (const auto& e : entries_)
    if (e->kind == kind && e->state == PendingRequest::State::kActive) return e;
  return nullptr;
}

std::shared_ptr<PendingRequest> RequestTable::find_joinable(RequestKind kind) const {
  for (const auto& e : entries_)
    if (e->kind == kind && !e->orphan && e->state == PendingRequest::State::kActive) return e;
  return nullptr;
}

std::shared_ptr<PendingRequest> RequestTable::make_orphan(
    RequestKind kind, int req_id, std::chrono::steady_clock::time_point now) {
  auto o = std::make_shared<PendingRequest>();
  o->kind = kind;
  o->req_id = req_id;
  o->orphan = true;
  o->orphaned_at = now;
  return o;
}

std::vector<RequestTable::OpenSubscription> RequestTable::abandon_all(
    const GatewayError& error, std::chrono::steady_clock::time_point now) {
  std::vector<OpenSubscription> cancels;
  auto all = std::move(entries_);
  entries_.clear();
  for (auto& e : all) {
    if (e->orphan) {  // an earlier job's: stays until its answer ends
      e->wakeup = nullptr;
      e->notify = nullptr;
      entries_.push_back(std::move(e));
      continue;
    }
    if (!e->done()) {
      e->error = error;
      e->state = PendingRequest::State::kDone;
      signal(*e);
    }
    const auto& s = spec(e->kind);
    if (!s.has_request_id)
      entries_.push_back(make_orphan(e->kind, e->req_id, now));
    else if (s.encode_cancel)
      cancels.push_back({&s, e->req_id});
  }
  return cancels;
}

std::optional<std::chrono::steady_clock::time_point> RequestTable::oldest_orphan() const {
  std::optional<std::chrono::steady_clock::time_point> oldest;
  for (const auto& e : entries_)
    if (e->orphan && (!oldest || e->orphaned_at < *oldest)) oldest = e->orphaned_at;
  return oldest;
}

bool RequestTable::count_row(const std::shared_ptr<PendingRequest>& r, size_t bytes, size_t rows) {
  if (r->orphan) return false;  // swallowed
  r->rows += rows;
  r->bytes += bytes;
  if (r->rows <= max_rows_ && r->bytes <= max_bytes_) return true;
  auto error = GatewayError(GatewayError::Kind::kTooLarge,
                            "gateway answer to the " + std::string(to_string(r->kind)) +
                                " request passed the bound of " + std::to_string(max_rows_) +
                                " rows / " + std::to_string(max_bytes_) + " bytes");
  bool idless = !has_request_id(r->kind);
  auto kind = r->kind;
  auto id = r->req_id;
  fail(*r, error);
  // A request with an id and a cancel (historical data, snapshot) is cancelled so that IB stops
  // sending; its late rows then match nothing and are dropped.
  const auto& s = spec(kind);
  if (!idless && s.encode_cancel) completed_.push_back({&s, id});
  // The rest of an id-less answer must not reach a later request of the same kind.
  if (idless) entries_.push_front(make_orphan(kind, id, std::chrono::steady_clock::now()));
  return false;
}

std::shared_ptr<PendingRequest> RequestTable::group_in_flight(RequestKind kind) const {
  for (const auto& e : entries_)
    if (same_group(e->kind, kind)) return e;
  return nullptr;
}

std::shared_ptr<PendingRequest> RequestTable::by_id(int64_t id, RequestKind kind) const {
  for (const auto& e : entries_)
    if (e->req_id == id && e->kind == kind) return e;
  return nullptr;
}

std::shared_ptr<PendingRequest> RequestTable::route(RequestKind kind, int64_t id) const {
  const auto& s = spec(kind);
  if (s.has_request_id) return by_id(id, kind);
  if (s.sharing == Sharing::kOneGroup) return group_in_flight(kind);
  return find_active(kind);  // entries_ is in insertion order: the oldest (orphans first)
}

std::vector<RequestTable::OpenSubscription> RequestTable::open_subscriptions() const {
  std::vector<OpenSubscription> open;
  for (const auto& s : request_specs()) {
    if (!s.encode_cancel) continue;
    if (s.has_request_id) {
      for (const auto& e : entries_)
        if (e->kind == s.kind && !e->orphan) open.push_back({&s, e->req_id});
    } else if (find_active(s.kind)) {
      open.push_back({&s, -1});
    }
  }
  return open;
}

std::shared_ptr<PendingRequest> RequestTable::remove(PendingRequest& request) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const auto& e) { return e.get() == &request; });
  if (it == entries_.end()) return nullptr;
  auto held = std::move(*it);
  entries_.erase(it);
  return held;
}

void RequestTable::signal(PendingRequest& request) {
  if (request.wakeup) request.wakeup->cancel();
  if (request.notify) request.notify();
}

void RequestTable::complete(PendingRequest& request) {
  const auto& s = spec(request.kind);
  if (s.cancel_after_end) completed_.push_back({&s, request.req_id});
  if (s.sharing == Sharing::kOneGroup) {
    // Merge the latest orderStatus of each order into it (statuses may precede the order).
    for (auto& o : request.orders) {
      auto st = request.statuses.find(o.open_order.order.order_id);
      if (st != request.statuses.end()) o.status = st->second;
    }
  }
  request.state = PendingRequest::State::kDone;
  auto hold = remove(request);  // the table may hold the last reference
  signal(request);
}

void RequestTable::finish(PendingRequest& request) {
  if (!request.done()) complete(request);
}

void RequestTable::fail(PendingRequest& request, const GatewayError& error) {
  if (request.done()) return;
  request.error = error;
  request.state = PendingRequest::State::kDone;
  auto hold = remove(request);  // the table may hold the last reference
  signal(request);
}

void RequestTable::fail_all(const GatewayError& error) {
  auto all = std::move(entries_);
  entries_.clear();
  for (auto& e : all) {
    if (e->done()) continue;
    e->error = error;
    e->state = PendingRequest::State::kDone;
    signal(*e);
  }
}

size_t RequestTable::on_error(const ErrorMessage& e) {
  if (e.id >= 0) {
    for (const auto& r : entries_) {
      if (r->req_id != e.id || r->orphan) continue;
      auto info = classify_ib_error(e.code, e.message);
      if (info.severity != IbSeverity::kTerminal) {
        // Rides along with the request (10167: delayed data follows; 165: service message).
        if (r->warnings.size() < PendingRequest::kMaxWarnings) r->warnings.push_back(e);
        return 1;
      }
      if (info.kind == IbErrorKind::kHistoricalNoData && r->kind == RequestKind::kHistoricalData) {
        // No data in the range: an empty answer, not an error (the intent reports no bars).
        r->historical.no_data = true;
        r->historical.no_data_message = e.message;
        complete(*r);
        return 1;
      }
      fail(*r, request_error(e));
      return 1;
    }
    return 0;
  }
  // id -1: IB's way of reporting problems with requests that carry no id.
  std::vector<std::shared_ptr<PendingRequest>> idless;
  for (const auto& r : entries_)
    if (!spec(r->kind).has_request_id) idless.push_back(r);
  for (auto& r : idless) fail(*r, request_error(e));
  return idless.size();
}

void RequestTable::add_commission(const CommissionReport& report) {
  bool joined = false;
  std::vector<std::shared_ptr<PendingRequest>> completed;
  for (const auto& r : entries_) {
    if (!spec(r->kind).late_commissions) continue;
    for (auto& f : r->fills) {
      if (f.execution.exec_id == report.exec_id) {
        f.commission = report;
        joined = true;
      }
    }
    if (r->state == PendingRequest::State::kAwaitingCommissions && !r->missing_commissions())
      completed.push_back(r);
  }
  for (auto& r : completed) complete(*r);
  if (!joined) {
    early_commissions_.push_back(report);
    if (early_commissions_.size() > kMaxEarlyCommissions) early_commissions_.pop_front();
  }
}

namespace {

// The data each answer message carries, stored in its request (one overload per row message of
// the specs, and the ends that carry data).
void store(PendingRequest& r, const PositionMsg& m) {
  r.positions.push_back(m.position);
}
void store(PendingRequest& r, const AccountSummaryMsg& m) {
  r.account_values.push_back(m.value);
}
void store(PendingRequest& r, const OpenOrder& m) {
  auto id = m.order.order_id;
  auto at = r.order_index.find(id);
  if (at != r.order_index.end()) {
    r.orders[at->second].open_order = m;  // a later copy of the same order wins
  } else {
    r.order_index.emplace(id, r.orders.size());
    r.orders.push_back({m, std::nullopt});
  }
}
void store(PendingRequest& r, const OrderStatus& m) {
  r.statuses[m.order_id] = m;  // the latest status per order wins (merged at the end)
}
void store(PendingRequest& r, const ContractDataMsg& m) {
  r.contracts.push_back(m.details);
}
void store(PendingRequest& r, const CurrentTime& m) {
  r.current_time = m.epoch_seconds;
}

void store(PendingRequest& r, HistoricalDataMsg& m) {
  auto& h = r.historical;
  if (h.bars.empty()) {
    h.bars = std::move(m.bars);
  } else {
    h.bars.insert(h.bars.end(), std::make_move_iterator(m.bars.begin()),
                  std::make_move_iterator(m.bars.end()));
  }
  m.bars.clear();
  if (m.ends_answer) {  // below sv 196 the range rides in the one answer message
    h.start = m.start;
    h.end = m.end;
  }
}
// A message the caller keeps: its bars are copied (defined after the overload it calls).
void store(PendingRequest& r, const HistoricalDataMsg& m) {
  HistoricalDataMsg copy = m;
  store(r, copy);
}
void store(PendingRequest& r, const HistoricalDataEnd& m) {
  r.historical.start = m.start;
  r.historical.end = m.end;
}
void store(PendingRequest& r, const HeadTimestampMsg& m) {
  r.head_timestamp = m.timestamp;
}

void saw_tick(MarketDataSnapshot& s, int tick_type) {
  if (std::find(s.tick_types.begin(), s.tick_types.end(), tick_type) == s.tick_types.end())
    s.tick_types.push_back(tick_type);
}

void store(PendingRequest& r, const TickReqParams& m) {
  r.snapshot.min_tick = m.min_tick;
  r.snapshot.bbo_exchange = m.bbo_exchange;
  r.snapshot.snapshot_permissions = m.snapshot_permissions;
}
void store(PendingRequest& r, const MarketDataTypeMsg& m) {
  r.snapshot.market_data_type = m.type;
}
void store(PendingRequest& r, const TickPrice& m) {
  auto& s = r.snapshot;
  s.prices[m.tick_type] = PriceTick{m.price, m.size, m.attr_mask};
  saw_tick(s, m.tick_type);
  // The size that rides along a bid/ask/last price stands for its size tick until a TICK_SIZE
  // of that type arrives (IB usually sends one too).
  int size_tick = size_tick_for_price(m.tick_type);
  if (size_tick >= 0 && !m.size.empty() && !s.sizes.count(size_tick)) s.sizes[size_tick] = m.size;
}
void store(PendingRequest& r, const TickSize& m) {
  r.snapshot.sizes[m.tick_type] = m.size;
  saw_tick(r.snapshot, m.tick_type);
}
void store(PendingRequest& r, const TickGeneric& m) {
  r.snapshot.generics[m.tick_type] = m.value;
  saw_tick(r.snapshot, m.tick_type);
}
void store(PendingRequest& r, const TickString& m) {
  r.snapshot.strings[m.tick_type] = m.value;
  saw_tick(r.snapshot, m.tick_type);
}

// Whether an answer message of type T carries data for its request (most end markers do not).
template <class T>
constexpr bool kCarriesData = std::is_same_v<T, ExecDetailsMsg> ||
                              requires(PendingRequest& r, T& m) {
  store(r, m);
};

}  // namespace

void RequestTable::store_execution(PendingRequest& r, const ExecDetailsMsg& m) {
  Fill fill{m.execution, std::nullopt};
  auto early = std::find_if(early_commissions_.begin(), early_commissions_.end(),
                            [&](const auto& c) { return c.exec_id == m.execution.exec_id; });
  if (early != early_commissions_.end()) {
    fill.commission = *early;
    early_commissions_.erase(early);
  }
  r.fills.push_back(std::move(fill));
}
template <class Message>
void RequestTable::keep(PendingRequest& r, Message& m) {
  if constexpr (std::is_same_v<std::remove_const_t<Message>, ExecDetailsMsg>)
    store_execution(r, m);
  else
    store(r, m);
}

void RequestTable::end(PendingRequest& r) {
  if (!spec(r.kind).late_commissions || !r.missing_commissions()) {
    complete(r);
  } else {
    // Commission reports may still follow the end marker; the session waits a short grace
    // period for them and then calls finish().
    r.state = PendingRequest::State::kAwaitingCommissions;
    signal(r);
  }
}

bool RequestTable::dispatch(const ServerMessage& message, size_t bytes) {
  return route_message(message, bytes);
}

bool RequestTable::dispatch(ServerMessage&& message, size_t bytes) {
  return route_message(message, bytes);  // non-const: large answers (bars) are moved, not copied
}

template <class Message>
bool RequestTable::route_message(Message& message, size_t bytes) {
  return std::visit(
      [&](auto& m) -> bool {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, CommissionReport>) {
          add_commission(m);  // joins executions by exec_id, not by request
          return true;
        } else if constexpr (std::is_same_v<T, ErrorMessage>) {
          return classify_error(m) == ErrorClass::kRequest && on_error(m) > 0;
        } else if constexpr (kAnswerId<T> != 0) {
          // The spec whose answer this message is part of says which request it belongs to.
          auto [s, is_end] = spec_for_answer(kAnswerId<T>);
          if (!s) return false;
          int64_t id = -1;
          if constexpr (requires { m.req_id; }) id = m.req_id;
          auto r = route(s->kind, id);
          if (!r) return false;
          if (s->ending == Ending::kSingleAnswer) {  // the answer is its own end
            if constexpr (kCarriesData<T>)
              if (!r->orphan) keep(*r, m);
            complete(*r);
            return true;
          }
          if (is_end) {
            // An end that comes twice (commissions awaited) belongs to nobody the second time.
            if (s->late_commissions && r->state != PendingRequest::State::kActive) return false;
            if constexpr (kCarriesData<T>)  // ends that carry data (historical range)
              if (!r->orphan) keep(*r, m);
            end(*r);
            return true;
          }
          size_t rows = 1;
          if constexpr (requires { m.bars; }) rows = std::max<size_t>(1, m.bars.size());
          if constexpr (kCarriesData<T>)
            if (count_row(r, bytes, rows)) keep(*r, m);
          // A row message that is the whole answer (HISTORICAL_DATA below sv 196; the spec's
          // row_ends_answer_below_sv) ends it.
          if constexpr (requires { m.ends_answer; })
            if (m.ends_answer && !r->done()) end(*r);
          return true;
        } else {
          return false;  // ManagedAccounts, NextValidId, UnknownMessage: the session's
        }
      },
      message);
}

}  // namespace intentq::gw
