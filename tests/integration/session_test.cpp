// The client session against the real simulator (intentq-gwsim), plus an in-process scripted
// gateway for the two things the simulator cannot be asked to do (answer a server version below
// 176, send nextValidId before managedAccounts).
//
// Every wait is bounded: coroutines run on a test-owned io_context through run()/run_until(),
// which fail with a message when their limit passes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <tuple>

#include "common/asio.hpp"
#include "gateway/messages.hpp"
#include "gateway/session.hpp"
#include "gateway/wire.hpp"
#include "tests/support/daemons.hpp"
#include "tests/support/process.hpp"

namespace intentq::gw {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using Kind = GatewayError::Kind;
using Clock = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

const json& scenario() {
  static const json j = [] {
    std::ifstream in(INTENTQ_SESSION_SCENARIO);
    if (!in) throw std::runtime_error("cannot read " + std::string(INTENTQ_SESSION_SCENARIO));
    return json::parse(in);
  }();
  return j;
}

// ---- Running coroutines from a test ---------------------------------------------------------

struct Unit {};
awaitable<Unit> as_unit(awaitable<void> task) {
  co_await std::move(task);
  co_return Unit{};
}

template <class T>
struct Outcome {
  bool done = false;
  std::optional<T> value;
  std::exception_ptr error;
  Clock::time_point finished;
  T get() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
  // The GatewayError it failed with (fails the test if it did not fail that way).
  GatewayError gateway_error() {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const GatewayError& e) {
      return e;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "expected a GatewayError, got: " << e.what();
      return GatewayError(Kind::kIb, "not a GatewayError");
    }
    ADD_FAILURE() << "expected a GatewayError, but the request succeeded";
    return GatewayError(Kind::kIb, "no error");
  }
};

template <class T>
std::shared_ptr<Outcome<T>> spawn(asio::io_context& io, awaitable<T> task) {
  auto out = std::make_shared<Outcome<T>>();
  asio::co_spawn(io, std::move(task), [out](std::exception_ptr e, T v) {
    out->error = e;
    if (!e) out->value = std::move(v);
    out->done = true;
    out->finished = Clock::now();
  });
  return out;
}

// Runs the io_context until `pred` holds; fails (throws) after `limit`.
void run_until(asio::io_context& io, const std::function<bool()>& pred, ms limit,
               const std::string& what) {
  auto deadline = Clock::now() + limit;
  while (!pred()) {
    if (io.stopped()) io.restart();
    auto n = io.run_one_until(deadline);
    if (pred()) break;
    if (n == 0 && Clock::now() >= deadline)
      throw std::runtime_error(what + ": not finished within " + std::to_string(limit.count()) +
                               " ms");
    if (n == 0 && io.stopped())
      throw std::runtime_error(what + ": the io_context ran out of work first");
  }
}

template <class T>
T run(asio::io_context& io, awaitable<T> task, ms limit = 20s) {
  auto out = spawn(io, std::move(task));
  run_until(
      io, [&] { return out->done; }, limit, "task");
  return out->get();
}
void run(asio::io_context& io, awaitable<void> task, ms limit = 20s) {
  run(io, as_unit(std::move(task)), limit);
}

template <class T>
GatewayError run_error(asio::io_context& io, awaitable<T> task, ms limit = 20s) {
  auto out = spawn(io, std::move(task));
  run_until(
      io, [&] { return out->done; }, limit, "task");
  return out->gateway_error();
}

// ---- The simulator --------------------------------------------------------------------------

struct Sim : test::GwsimProcess {
  explicit Sim(std::vector<std::string> extra = {}, bool with_scenario = true)
      : GwsimProcess(test::start_gwsim(test::Launch{args(extra, with_scenario), {}, {}, "", 15s})),
        proc(*process) {}
  static std::vector<std::string> args(const std::vector<std::string>& extra, bool scenario) {
    std::vector<std::string> a;
    if (scenario) {
      a.push_back("--scenario");
      a.push_back(INTENTQ_SESSION_SCENARIO);
    }
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  SessionOptions options(int client_id = 7) const {
    SessionOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    o.client_id = client_id;
    o.connect_timeout = 5s;
    return o;
  }
  test::Process& proc;
};

std::shared_ptr<Session> connect(asio::io_context& io, const SessionOptions& o) {
  return run(io, Session::connect(o), 10s);
}

// ---- Comparing answers with the scenario ----------------------------------------------------

double num(const json& j, const char* key, double fallback = 0) {
  return j.contains(key) ? j.at(key).get<double>() : fallback;
}
std::string text(const json& j, const char* key) {
  return j.contains(key) ? j.at(key).get<std::string>() : std::string();
}

void expect_contract(const Contract& c, const json& j, const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(c.con_id, j.at("con_id").get<int64_t>());
  EXPECT_EQ(c.symbol, text(j, "symbol"));
  EXPECT_EQ(c.sec_type, text(j, "sec_type"));
  EXPECT_EQ(c.last_trade_date, text(j, "last_trade_date"));
  if (j.contains("strike") && j.at("strike").get<double>() != 0) {
    ASSERT_TRUE(c.strike);
    EXPECT_DOUBLE_EQ(*c.strike, j.at("strike").get<double>());
  }
  EXPECT_EQ(c.right, text(j, "right"));
  EXPECT_EQ(c.multiplier, text(j, "multiplier"));
  EXPECT_EQ(c.currency, text(j, "currency"));
  EXPECT_EQ(c.local_symbol, text(j, "local_symbol"));
  EXPECT_EQ(c.trading_class, text(j, "trading_class"));
}

void expect_positions(const std::vector<Position>& got) {
  const auto& want = scenario().at("positions");
  ASSERT_EQ(got.size(), want.size());
  for (const auto& w : want) {
    auto con_id = w.at("contract").at("con_id").get<int64_t>();
    auto it = std::find_if(got.begin(), got.end(), [&](const Position& p) {
      return p.contract.con_id == con_id && p.account == w.at("account").get<std::string>();
    });
    ASSERT_NE(it, got.end()) << "position " << con_id << " missing";
    EXPECT_DOUBLE_EQ(it->position, w.at("position").get<double>());
    ASSERT_TRUE(it->avg_cost);
    EXPECT_DOUBLE_EQ(*it->avg_cost, w.at("avg_cost").get<double>());
    expect_contract(it->contract, w.at("contract"), "position " + std::to_string(con_id));
  }
}

using Row = std::tuple<std::string, std::string, std::string, std::string>;
std::multiset<Row> rows(const std::vector<AccountValue>& v) {
  std::multiset<Row> out;
  for (const auto& r : v) out.insert({r.account, r.tag, r.value, r.currency});
  return out;
}
std::multiset<Row> scenario_rows(const std::set<std::string>& accounts,
                                 const std::set<std::string>& tags) {
  std::multiset<Row> out;
  for (const auto& r : scenario().at("account_values")) {
    auto account = r.at("account").get<std::string>(), tag = r.at("tag").get<std::string>();
    if (accounts.count(account) && tags.count(tag))
      out.insert(
          {account, tag, r.at("value").get<std::string>(), r.at("currency").get<std::string>()});
  }
  return out;
}

void expect_fills(const std::vector<Fill>& got, const std::set<std::string>& symbols = {}) {
  size_t wanted = 0;
  for (const auto& w : scenario().at("executions")) {
    const auto& e = w.at("execution");
    if (!symbols.empty() && !symbols.count(e.at("contract").at("symbol").get<std::string>()))
      continue;
    ++wanted;
    auto exec_id = e.at("exec_id").get<std::string>();
    SCOPED_TRACE("execution " + exec_id);
    auto it = std::find_if(got.begin(), got.end(),
                           [&](const Fill& f) { return f.execution.exec_id == exec_id; });
    ASSERT_NE(it, got.end());
    const auto& x = it->execution;
    EXPECT_EQ(x.order_id, e.at("order_id").get<int64_t>());
    EXPECT_EQ(x.account, text(e, "account"));
    EXPECT_EQ(x.exchange, text(e, "exchange"));
    EXPECT_EQ(x.side, text(e, "side"));
    EXPECT_EQ(x.time, text(e, "time"));
    EXPECT_DOUBLE_EQ(x.shares, num(e, "shares"));
    EXPECT_DOUBLE_EQ(x.price, num(e, "price"));
    EXPECT_DOUBLE_EQ(x.cum_qty, num(e, "cum_qty"));
    EXPECT_DOUBLE_EQ(x.avg_price, num(e, "avg_price"));
    EXPECT_EQ(x.perm_id, e.at("perm_id").get<int64_t>());
    EXPECT_EQ(x.client_id, e.at("client_id").get<int>());
    expect_contract(x.contract, e.at("contract"), "execution contract");
    if (w.contains("commission")) {
      const auto& c = w.at("commission");
      ASSERT_TRUE(it->commission) << "commission report not joined";
      EXPECT_EQ(it->commission->exec_id, exec_id);
      ASSERT_TRUE(it->commission->commission);
      EXPECT_DOUBLE_EQ(*it->commission->commission, num(c, "commission"));
      EXPECT_EQ(it->commission->currency, text(c, "currency"));
      if (c.contains("realized_pnl")) {
        ASSERT_TRUE(it->commission->realized_pnl);
        EXPECT_DOUBLE_EQ(*it->commission->realized_pnl, num(c, "realized_pnl"));
      } else {
        EXPECT_FALSE(it->commission->realized_pnl) << "unset realizedPNL must stay unset";
      }
    } else {
      EXPECT_FALSE(it->commission) << "the scenario has no commission for this execution";
    }
  }
  EXPECT_EQ(got.size(), wanted);
}

void expect_orders(const std::vector<OpenOrderWithStatus>& got, std::optional<int> client_id) {
  size_t wanted = 0;
  for (const auto& w : scenario().at("open_orders")) {
    const auto& o = w.at("order");
    if (client_id && o.at("client_id").get<int>() != *client_id) continue;
    ++wanted;
    auto id = o.at("order_id").get<int64_t>();
    SCOPED_TRACE("order " + std::to_string(id));
    auto it = std::find_if(got.begin(), got.end(), [&](const OpenOrderWithStatus& x) {
      return x.open_order.order.order_id == id;
    });
    ASSERT_NE(it, got.end());
    const auto& g = it->open_order;
    EXPECT_EQ(g.order.client_id, o.at("client_id").get<int>());
    EXPECT_EQ(g.order.perm_id, o.at("perm_id").get<int64_t>());
    EXPECT_EQ(g.order.action, text(o, "action"));
    EXPECT_DOUBLE_EQ(g.order.total_quantity, num(o, "total_quantity"));
    EXPECT_EQ(g.order.order_type, text(o, "order_type"));
    EXPECT_EQ(g.order.tif, text(o, "tif"));
    EXPECT_EQ(g.order.account, text(o, "account"));
    EXPECT_EQ(g.order.order_ref, text(o, "order_ref"));
    for (const char* key : {"lmt_price", "aux_price"}) {
      auto v = std::string(key) == "lmt_price" ? g.order.lmt_price : g.order.aux_price;
      if (o.contains(key)) {
        ASSERT_TRUE(v) << key;
        EXPECT_DOUBLE_EQ(*v, num(o, key)) << key;
      } else {
        EXPECT_FALSE(v) << key << " should be unset";
      }
    }
    expect_contract(g.contract, w.at("contract"), "order contract");
    auto state = w.at("state").at("status").get<std::string>();
    EXPECT_EQ(g.state.status, state);
    ASSERT_TRUE(it->status) << "orderStatus not merged";
    json st = w.value("order_status", json::object());
    EXPECT_EQ(it->status->order_id, id);
    EXPECT_EQ(it->status->status, st.value("status", state));
    double filled = num(st, "filled");
    EXPECT_DOUBLE_EQ(it->status->filled, filled);
    EXPECT_DOUBLE_EQ(it->status->remaining, num(o, "total_quantity") - filled);
    if (st.contains("avg_fill_price")) {
      ASSERT_TRUE(it->status->avg_fill_price);
      EXPECT_DOUBLE_EQ(*it->status->avg_fill_price, num(st, "avg_fill_price"));
    }
  }
  EXPECT_EQ(got.size(), wanted);
}

void expect_contract_details(const ContractDetails& got, int64_t con_id) {
  const auto& all = scenario().at("contracts");
  auto it = std::find_if(all.begin(), all.end(), [&](const json& c) {
    return c.at("contract").at("con_id").get<int64_t>() == con_id;
  });
  ASSERT_NE(it, all.end());
  const auto& w = *it;
  SCOPED_TRACE("contract " + std::to_string(con_id));
  expect_contract(got.contract, w.at("contract"), "contract details");
  EXPECT_EQ(got.contract.exchange, text(w.at("contract"), "exchange"));
  EXPECT_EQ(got.contract.primary_exchange, text(w.at("contract"), "primary_exchange"));
  EXPECT_EQ(got.market_name, text(w, "market_name"));
  ASSERT_TRUE(got.min_tick);
  EXPECT_DOUBLE_EQ(*got.min_tick, num(w, "min_tick"));
  EXPECT_EQ(got.order_types, text(w, "order_types"));
  EXPECT_EQ(got.valid_exchanges, text(w, "valid_exchanges"));
  EXPECT_EQ(got.long_name, text(w, "long_name"));
  EXPECT_EQ(got.industry, text(w, "industry"));
  EXPECT_EQ(got.time_zone_id, text(w, "time_zone_id"));
  EXPECT_EQ(got.stock_type, text(w, "stock_type"));
  EXPECT_EQ(got.contract_month, text(w, "contract_month"));
  EXPECT_EQ(got.under_con_id, static_cast<int64_t>(num(w, "under_con_id")));
  EXPECT_EQ(got.real_expiration_date, text(w, "real_expiration_date"));
  EXPECT_EQ(got.market_rule_ids, text(w, "market_rule_ids"));
  std::vector<std::pair<std::string, std::string>> ids;
  for (const auto& p : w.value("sec_id_list", json::array()))
    ids.push_back({p[0].get<std::string>(), p[1].get<std::string>()});
  EXPECT_EQ(got.sec_id_list, ids);
}

Contract by_con_id(int64_t con_id) {
  Contract c;
  c.con_id = con_id;
  return c;
}

std::set<std::string> scenario_accounts() {
  return scenario().at("accounts").get<std::set<std::string>>();
}

int64_t epoch_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- Happy paths ----------------------------------------------------------------------------

TEST(SessionIntegration, EveryRequestTypeReturnsTheScenarioValues) {
  Sim sim({"--log-level", "debug"});
  asio::io_context io;
  auto s = connect(io, sim.options(7));
  EXPECT_EQ(s->server_version(), 200);
  EXPECT_FALSE(s->connection_time().empty());
  EXPECT_EQ(s->accounts(), scenario().at("accounts").get<std::vector<std::string>>());
  EXPECT_EQ(s->next_order_id(), scenario().at("next_valid_id").get<int64_t>());

  expect_positions(run(io, s->positions()));

  std::set<std::string> tags{"AccountType", "NetLiquidation", "TotalCashValue"};
  EXPECT_EQ(rows(run(io, s->account_summary("All", "AccountType,NetLiquidation,TotalCashValue"))),
            scenario_rows(scenario_accounts(), tags));
  EXPECT_EQ(rows(run(io, s->account_summary("Core", "NetLiquidation"))),
            scenario_rows({"DU5550002"}, {"NetLiquidation"}));

  // One execution of the scenario has no commission report: the session returns it after its
  // short grace period instead of waiting for ever.
  auto t0 = Clock::now();
  expect_fills(run(io, s->executions(ExecutionFilter{})));
  EXPECT_LT(Clock::now() - t0, 3s);
  ExecutionFilter ibm;
  ibm.symbol = "IBM";
  expect_fills(run(io, s->executions(ibm)), {"IBM"});

  expect_orders(run(io, s->all_open_orders()), std::nullopt);
  expect_orders(run(io, s->open_orders()), 7);  // only clientId 7's orders

  auto aapl = run(io, s->contract_details(by_con_id(265598)));
  ASSERT_EQ(aapl.size(), 1u);
  expect_contract_details(aapl[0], 265598);
  Contract es;
  es.symbol = "ES";
  es.sec_type = "FUT";
  auto fut = run(io, s->contract_details(es));
  ASSERT_EQ(fut.size(), 1u);
  expect_contract_details(fut[0], 637533641);
  Contract nothing;
  nothing.symbol = "NOSUCH";
  nothing.sec_type = "STK";
  auto err = run_error(io, s->contract_details(nothing));
  EXPECT_EQ(err.kind, Kind::kIb);
  EXPECT_EQ(err.ib_code, 200);

  auto now = run(io, s->current_time());
  EXPECT_NEAR(static_cast<double>(now), static_cast<double>(epoch_now()), 60);

  // The session stays usable after a request failed, and close() ends it cleanly.
  EXPECT_EQ(run(io, s->positions()).size(), scenario().at("positions").size());
  run(io, s->close());
  auto after = run_error(io, s->current_time());
  EXPECT_EQ(after.kind, Kind::kCancelled);

  // The positions and account summary subscriptions were cancelled once answered: two
  // positions requests and two account summaries -> four cancels at the simulator.
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(sim.proc.wait_for_line(std::regex("cancel accepted"), 5s))
        << "cancel #" << i + 1 << " not seen; simulator output:\n"
        << sim.proc.output_text();
}

TEST(SessionIntegration, TwentyConcurrentRequestsOnOneSessionAllComplete) {
  // Latency with jitter makes the answers of different requests interleave on the socket.
  Sim sim({"--latency-ms", "20", "--jitter-ms", "40"});
  asio::io_context io;
  auto s = connect(io, sim.options(7));

  std::vector<std::shared_ptr<Outcome<std::vector<Position>>>> positions;
  std::vector<std::shared_ptr<Outcome<std::vector<AccountValue>>>> summaries;
  std::vector<std::shared_ptr<Outcome<std::vector<Fill>>>> fills;
  std::vector<std::shared_ptr<Outcome<std::vector<OpenOrderWithStatus>>>> all_orders, own_orders;
  std::vector<std::pair<int64_t, std::shared_ptr<Outcome<std::vector<ContractDetails>>>>> details;
  std::vector<std::shared_ptr<Outcome<int64_t>>> times;
  for (int i = 0; i < 3; ++i) positions.push_back(spawn(io, s->positions()));
  for (int i = 0; i < 3; ++i)
    summaries.push_back(spawn(io, s->account_summary("All", "NetLiquidation,AccountType")));
  for (int i = 0; i < 3; ++i) fills.push_back(spawn(io, s->executions(ExecutionFilter{})));
  for (int i = 0; i < 2; ++i) all_orders.push_back(spawn(io, s->all_open_orders()));
  for (int i = 0; i < 2; ++i) own_orders.push_back(spawn(io, s->open_orders()));
  for (int64_t id : {265598, 8314, 637533641, 265598})
    details.push_back({id, spawn(io, s->contract_details(by_con_id(id)))});
  for (int i = 0; i < 3; ++i) times.push_back(spawn(io, s->current_time()));
  size_t total = positions.size() + summaries.size() + fills.size() + all_orders.size() +
                 own_orders.size() + details.size() + times.size();
  ASSERT_EQ(total, 20u);

  auto all_done = [&] {
    auto done = [](const auto& v) {
      return std::all_of(v.begin(), v.end(), [](const auto& o) { return o->done; });
    };
    return done(positions) && done(summaries) && done(fills) && done(all_orders) &&
           done(own_orders) && done(times) &&
           std::all_of(details.begin(), details.end(), [](auto& d) { return d.second->done; });
  };
  run_until(io, all_done, 20s, "20 concurrent requests");

  for (auto& p : positions) expect_positions(p->get());
  for (auto& a : summaries)
    EXPECT_EQ(rows(a->get()),
              scenario_rows(scenario_accounts(), {"NetLiquidation", "AccountType"}));
  for (auto& f : fills) expect_fills(f->get());
  for (auto& o : all_orders) expect_orders(o->get(), std::nullopt);
  for (auto& o : own_orders) expect_orders(o->get(), 7);
  for (auto& [id, d] : details) {
    auto v = d->get();
    ASSERT_EQ(v.size(), 1u);
    expect_contract_details(v[0], id);
  }
  for (auto& t : times) EXPECT_NEAR(static_cast<double>(t->get()), epoch_now(), 60);
  run(io, s->close());
}

// ---- Server versions ------------------------------------------------------------------------

TEST(SessionIntegration, WorksAtServerVersions176And193And200) {
  for (int v : {176, 193, 200}) {
    SCOPED_TRACE("gateway max version " + std::to_string(v));
    Sim sim({"--max-version", std::to_string(v)});
    asio::io_context io;
    auto s = connect(io, sim.options(7));
    EXPECT_EQ(s->server_version(), v);
    // The layouts that change with the version (executions, open orders, contract data).
    expect_positions(run(io, s->positions()));
    expect_fills(run(io, s->executions(ExecutionFilter{})));
    expect_orders(run(io, s->all_open_orders()), std::nullopt);
    auto es = run(io, s->contract_details(by_con_id(637533641)));
    ASSERT_EQ(es.size(), 1u);
    expect_contract_details(es[0], 637533641);
    run(io, s->close());
  }
}

TEST(SessionIntegration, RefusesAVersionOutsideItsOwnRange) {
  // The simulator never goes below 176, so narrow the client's range instead: a gateway that
  // answers 180 is refused by a client that needs 190..200.
  Sim sim({"--max-version", "180"});
  asio::io_context io;
  auto o = sim.options(7);
  o.min_version = 190;
  auto err = run_error(io, Session::connect(o), 10s);
  EXPECT_EQ(err.kind, Kind::kRefused);
  EXPECT_NE(std::string(err.what()).find("180"), std::string::npos) << err.what();
}

// (Outside the coroutine: g++ 12 rejects a braced list of string literals inside one.)
std::string accounts_frame(int version) {
  return frame(encode_managed_accounts(version, {"DU1", "DU2"}));
}

// A scripted gateway on the test's own io_context: answers the handshake with `version`, then
// (if the client sends startApi) nextValidId, waits `gap`, and sends managedAccounts.
// Then it sends each of `later` (framed payloads), `gap` apart, and waits for the client to leave.
awaitable<void> scripted_gateway(tcp::acceptor& acceptor, int version, ms gap,
                                 std::vector<std::string> later = {}) {
  auto socket = co_await acceptor.async_accept(asio::use_awaitable);
  std::string in;
  std::vector<char> buf(4096);
  size_t used = 0;
  boost::system::error_code ec;
  while (!parse_handshake(in, used)) {
    auto n = co_await socket.async_read_some(asio::buffer(buf),
                                             asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    in.append(buf.data(), n);
  }
  std::string hello = std::to_string(version) + '\0' + "20261127 23:59:59 EST" + '\0';
  co_await asio::async_write(socket, asio::buffer(frame(hello)), asio::use_awaitable);
  // Wait for startApi (any bytes), then answer it in the "wrong" order.
  co_await socket.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  co_await asio::async_write(socket, asio::buffer(frame(encode_next_valid_id(version, 77))),
                             asio::use_awaitable);
  asio::steady_timer t(socket.get_executor(), gap);
  co_await t.async_wait(asio::use_awaitable);
  auto accounts = accounts_frame(version);
  co_await asio::async_write(socket, asio::buffer(accounts), asio::use_awaitable);
  for (const auto& message : later) {
    t.expires_after(gap);
    co_await t.async_wait(asio::use_awaitable);
    co_await asio::async_write(socket, asio::buffer(message), asio::use_awaitable);
  }
  while (!ec)
    co_await socket.async_read_some(asio::buffer(buf),
                                    asio::redirect_error(asio::use_awaitable, ec));
}

TEST(SessionIntegration, RefusesAGatewayThatAnswersBelow176) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  asio::co_spawn(io, scripted_gateway(acceptor, 175, 0ms), asio::detached);
  SessionOptions o;
  o.port = acceptor.local_endpoint().port();
  auto err = run_error(io, Session::connect(o), 5s);
  EXPECT_EQ(err.kind, Kind::kRefused);
  EXPECT_NE(std::string(err.what()).find("175"), std::string::npos) << err.what();
}

TEST(SessionIntegration, ReadyOnlyAfterBothNextValidIdAndManagedAccountsInEitherOrder) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  asio::co_spawn(io, scripted_gateway(acceptor, 200, 300ms), asio::detached);
  SessionOptions o;
  o.port = acceptor.local_endpoint().port();
  auto t0 = Clock::now();
  auto s = run(io, Session::connect(o), 5s);
  EXPECT_GE(Clock::now() - t0, 290ms) << "ready before managedAccounts arrived";
  EXPECT_EQ(s->next_order_id(), 77);
  EXPECT_EQ(s->accounts(), (std::vector<std::string>{"DU1", "DU2"}));
  s->abort();
}

std::string error_frame(int64_t id, int code, std::string text) {
  ErrorMessage e;
  e.id = id;
  e.code = code;
  e.message = std::move(text);
  return frame(encode_error(200, e));
}

TEST(SessionIntegration, ConnectivityReportsAreTrackedAndNoticesIgnored) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::vector<std::string> later{
      error_frame(-1, 2104, "Market data farm connection is OK:usfarm"),
      error_frame(-1, 1100, "Connectivity between IB and Trader Workstation has been lost."),
      error_frame(-1, 1102,
                  "Connectivity between IB and Trader Workstation has been restored - "
                  "data maintained.")};
  asio::co_spawn(io, scripted_gateway(acceptor, 200, 50ms, later), asio::detached);
  SessionOptions o;
  o.port = acceptor.local_endpoint().port();
  std::vector<int> reported;
  std::vector<bool> connected_when_reported;
  std::shared_ptr<Session> s;
  o.on_connectivity = [&](int code, const std::string& message) {
    EXPECT_FALSE(message.empty());
    reported.push_back(code);
    connected_when_reported.push_back(s ? s->upstream_connected() : true);
  };
  s = run(io, Session::connect(o), 5s);
  EXPECT_TRUE(s->upstream_connected());
  run_until(
      io, [&] { return reported.size() == 2; }, 5s, "connectivity reports");
  EXPECT_EQ(reported, (std::vector<int>{1100, 1102})) << "2104 is a notice, not a report";
  EXPECT_EQ(connected_when_reported, (std::vector<bool>{false, true}));
  EXPECT_TRUE(s->upstream_connected());
  s->abort();
}

// ---- Faults ---------------------------------------------------------------------------------

TEST(SessionIntegration, RefusedConnectionIsUnreachable) {
  // The gateway closes the socket before even answering the handshake (API disabled, IP not
  // trusted): nothing to do with our clientId, so kUnreachable with IB's client-side 502.
  Sim sim({"--fault", "refuse"});
  asio::io_context io;
  auto t0 = Clock::now();
  auto err = run_error(io, Session::connect(sim.options()), 10s);
  EXPECT_EQ(err.kind, Kind::kUnreachable) << err.what();
  EXPECT_EQ(err.ib_code, 502);
  EXPECT_LT(Clock::now() - t0, 2s);
}

TEST(SessionIntegration, CloseAfterHandshakeIsRefusedBeforeReady) {
  Sim sim({"--fault", "close-after-handshake"});
  asio::io_context io;
  auto err = run_error(io, Session::connect(sim.options(9)), 10s);
  EXPECT_EQ(err.kind, Kind::kRefused) << err.what();
  EXPECT_EQ(err.ib_code, 0) << "no 326 was sent: the clientId clash is only probable";
  EXPECT_STREQ(err.what(),
               "gateway closed the connection before ready: clientId 9 probably in use (IB 326)");
}

TEST(SessionIntegration, DuplicateClientIdIsRefusedWith326) {
  Sim sim;
  asio::io_context io;
  auto first = connect(io, sim.options(5));
  auto err = run_error(io, Session::connect(sim.options(5)), 10s);
  EXPECT_EQ(err.kind, Kind::kRefused) << err.what();
  EXPECT_EQ(err.ib_code, 326);
  // The first session is not disturbed.
  EXPECT_NEAR(static_cast<double>(run(io, first->current_time())), epoch_now(), 60);
  run(io, first->close());
}

TEST(SessionIntegration, CloseMidAnswerFailsEveryOutstandingRequestWithConnectionLost) {
  Sim sim({"--fault", "close-mid-answer"});
  asio::io_context io;
  auto s = connect(io, sim.options());
  auto p = spawn(io, s->positions());
  auto e = spawn(io, s->executions(ExecutionFilter{}));
  auto a = spawn(io, s->account_summary("All", "NetLiquidation"));
  run_until(
      io, [&] { return p->done && e->done && a->done; }, 10s, "requests");
  for (auto err : {p->gateway_error(), e->gateway_error(), a->gateway_error()}) {
    EXPECT_EQ(err.kind, Kind::kConnectionLost) << err.what();
    EXPECT_STREQ(err.what(), "connection lost");
  }
  // A dead session fails new requests at once.
  EXPECT_EQ(run_error(io, s->current_time(), 1s).kind, Kind::kConnectionLost);
}

TEST(SessionIntegration, GarbageIsAProtocolErrorForEveryOutstandingRequest) {
  Sim sim({"--fault", "garbage"});
  asio::io_context io;
  auto s = connect(io, sim.options());
  auto p = spawn(io, s->positions());
  auto c = spawn(io, s->contract_details(by_con_id(8314)));
  run_until(
      io, [&] { return p->done && c->done; }, 10s, "requests");
  EXPECT_EQ(p->gateway_error().kind, Kind::kProtocol);
  EXPECT_EQ(c->gateway_error().kind, Kind::kProtocol);
  EXPECT_EQ(run_error(io, s->current_time(), 1s).kind, Kind::kProtocol);
}

TEST(SessionIntegration, SilenceLeavesTheRequestToTheCallersTimeoutAndAbortCleansUp) {
  Sim sim({"--fault", "silence"});
  asio::io_context io;
  auto s = connect(io, sim.options());
  std::weak_ptr<Session> weak = s;
  auto t0 = Clock::now();
  auto req = spawn(io, s->current_time());
  auto pos = spawn(io, s->positions());
  // The caller's own deadline: an asio timer around the request that aborts the session.
  asio::steady_timer deadline(io, 400ms);
  deadline.async_wait([s](boost::system::error_code ec) {
    if (!ec) s->abort();
  });
  run_until(
      io, [&] { return req->done && pos->done; }, 5s, "silent requests");
  EXPECT_GE(req->finished - t0, 390ms) << "the request completed although nothing answered";
  EXPECT_EQ(req->gateway_error().kind, Kind::kCancelled);
  EXPECT_EQ(pos->gateway_error().kind, Kind::kCancelled);
  // Nothing is left behind: with our reference gone the session is freed, and the io_context
  // runs out of work (no reader, writer or timer still pending).
  s.reset();
  io.restart();
  auto left = Clock::now();
  io.run_for(2s);
  EXPECT_TRUE(io.stopped()) << "work still pending after abort()";
  EXPECT_LT(Clock::now() - left, 1s);
  EXPECT_TRUE(weak.expired()) << "the session outlived every reference to it";
}

TEST(SessionIntegration, CloseCancelsOpenSubscriptionsAndFailsWaitingRequests) {
  Sim sim({"--fault", "silence", "--log-level", "debug"});
  asio::io_context io;
  auto s = connect(io, sim.options());
  auto p = spawn(io, s->positions());
  auto a = spawn(io, s->account_summary("All", "NetLiquidation"));
  // Let the writer send both requests, until the simulator has logged them.
  int seen = 0;
  auto deadline = Clock::now() + 5s;
  while (seen < 2 && Clock::now() < deadline) {
    io.poll();
    if (sim.proc.wait_for_line(std::regex("request not answered"), 50ms)) ++seen;
  }
  ASSERT_EQ(seen, 2) << sim.proc.output_text();
  EXPECT_FALSE(p->done);
  EXPECT_FALSE(a->done);
  run(io, s->close(), 5s);
  run_until(
      io, [&] { return p->done && a->done; }, 2s, "requests after close()");
  EXPECT_EQ(p->gateway_error().kind, Kind::kCancelled);
  EXPECT_EQ(a->gateway_error().kind, Kind::kCancelled);
  for (int i = 0; i < 2; ++i)
    EXPECT_TRUE(sim.proc.wait_for_line(std::regex("cancel accepted"), 5s))
        << "cancel #" << i + 1 << " not seen:\n"
        << sim.proc.output_text();
}

TEST(SessionIntegration, DestroyingTheIoContextWithRequestsPendingFreesEverything) {
  Sim sim({"--fault", "silence"});
  std::weak_ptr<Session> weak;
  {
    asio::io_context io;
    auto s = connect(io, sim.options());
    weak = s;
    auto hold = [](std::shared_ptr<Session> s) -> awaitable<Unit> {
      // A named filter, not ExecutionFilter{}: g++ 12 frees a braced temporary of a co_await
      // expression wrongly when the suspended coroutine is destroyed (bad-free under ASan).
      ExecutionFilter everything;
      co_await s->executions(everything);
      co_return Unit{};
    };
    spawn(io, hold(s));
    spawn(io, s->positions());
    spawn(io, s->all_open_orders());
    spawn(io, s->open_orders());  // waits behind all_open_orders
    spawn(io, s->current_time());
    s.reset();  // only the pending coroutines hold the session now
    io.run_for(100ms);
    EXPECT_FALSE(weak.expired());
  }  // io_context destroyed with five requests waiting
  EXPECT_TRUE(weak.expired()) << "the session leaked past its io_context";
}

// ---- Pacing ---------------------------------------------------------------------------------

TEST(SessionIntegration, ExceedingTheGatewaysRateIsKPacing) {
  // The simulator closes a connection that keeps violating the budget, as IB does; this test is
  // about the mapping of error 100, so it keeps the connection open however often it is refused.
  Sim sim({"--pacing-close-after", "1000"});
  asio::io_context io;
  auto o = sim.options();
  o.max_messages_per_second = 200;  // faster than IB's 50/s: the simulator answers error 100
  auto s = connect(io, o);
  std::vector<std::shared_ptr<Outcome<std::vector<ContractDetails>>>> reqs;
  for (int i = 0; i < 80; ++i) reqs.push_back(spawn(io, s->contract_details(by_con_id(8314))));
  run_until(
      io, [&] { return std::all_of(reqs.begin(), reqs.end(), [](auto& r) { return r->done; }); },
      20s, "80 requests");
  int ok = 0, paced = 0;
  for (auto& r : reqs) {
    if (!r->error) {
      ++ok;
      continue;
    }
    auto e = r->gateway_error();
    EXPECT_EQ(e.kind, Kind::kPacing) << e.what();
    EXPECT_EQ(e.ib_code, 100);
    ++paced;
  }
  EXPECT_GE(paced, 1) << "no request was refused for pacing";
  EXPECT_GE(ok, 40) << "requests within the gateway's limit should be answered";
}

TEST(SessionIntegration, DefaultPacingKeepsAHundredRequestsUnderTheLimit) {
  Sim sim;
  asio::io_context io;
  auto s = connect(io, sim.options());  // default 45 messages/s
  auto t0 = Clock::now();
  std::vector<std::shared_ptr<Outcome<std::vector<ContractDetails>>>> reqs;
  for (int i = 0; i < 100; ++i) reqs.push_back(spawn(io, s->contract_details(by_con_id(265598))));
  run_until(
      io, [&] { return std::all_of(reqs.begin(), reqs.end(), [](auto& r) { return r->done; }); },
      30s, "100 paced requests");
  auto took = Clock::now() - t0;
  for (auto& r : reqs) {
    auto v = r->get();  // throws (fails the test) on kPacing
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].contract.con_id, 265598);
  }
  // 1 startApi + 100 requests, at most 45 in any 1.1 s: the last ones leave after 2.2 s.
  EXPECT_GE(took, 2s);
  EXPECT_LT(took, 6s);
  run(io, s->close());
}

// ---- Unreachable ----------------------------------------------------------------------------

TEST(SessionIntegration, NothingListeningIsUnreachableAtOnce) {
  asio::io_context io;
  uint16_t port;
  {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }  // closed again: nothing listens on `port` now
  SessionOptions o;
  o.port = port;
  auto t0 = Clock::now();
  auto err = run_error(io, Session::connect(o), 5s);
  EXPECT_EQ(err.kind, Kind::kUnreachable) << err.what();
  EXPECT_EQ(err.ib_code, 502);
  EXPECT_LT(Clock::now() - t0, 1s);
}

// A loopback listener whose accept queue is full: further connects hang (the kernel drops their
// SYNs), like an unroutable address, without leaving the machine.
struct FullBacklog {
  FullBacklog() {
    listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::listen(listener, 0) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("FullBacklog: cannot listen");
    port = ntohs(a.sin_port);
    for (int i = 0; i < 4; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      (void)::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);  // EINPROGRESS expected
      fillers.push_back(fd);
    }
  }
  ~FullBacklog() {
    for (int fd : fillers) ::close(fd);
    ::close(listener);
  }
  int listener = -1;
  uint16_t port = 0;
  std::vector<int> fillers;
};

TEST(SessionIntegration, ConnectTimeoutIsHonoured) {
  FullBacklog hole;
  asio::io_context io;
  SessionOptions o;
  o.port = hole.port;
  o.connect_timeout = 300ms;
  auto t0 = Clock::now();
  auto err = run_error(io, Session::connect(o), 5s);
  auto took = Clock::now() - t0;
  EXPECT_EQ(err.kind, Kind::kUnreachable) << err.what();
  EXPECT_EQ(err.ib_code, 502);
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 2s);
  EXPECT_NE(std::string(err.what()).find("300 ms"), std::string::npos) << err.what();
}

}  // namespace
}  // namespace intentq::gw
