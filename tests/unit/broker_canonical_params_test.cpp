// Canonical params (issues 11 and 16): which requests the broker treats as asking the same thing,
// what it refuses before any sharing, the routing fields it reads from a request, and the
// per-request rewrite of a shared reply.
#include "broker/canonical_params.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "broker/request_body.hpp"
#include "broker/shared_reply.hpp"
#include "common/envelope.hpp"
#include "common/params_schema.hpp"
#include "tests/support/raw_msgpack.hpp"
#ifdef INTENTQ_HAVE_WORKER_LIB
#include "tests/support/msgpack_json.hpp"
#include "worker/intents/market_data.hpp"
#include "worker/intents/params.hpp"
#endif

namespace intentq::broker {
namespace {

using nlohmann::json;

using test::mp;

RequestFields fields_with(std::string_view params) {
  RequestFields f;
  f.params = params;
  return f;
}
std::string canon(std::string_view service, const json& params) {
  return canonical_params(service, mp(params));
}

TEST(CanonicalParams, KeyOrderDoesNotMatterAndNilIsRefused) {
  EXPECT_THROW(canon("positions", {{"account", nullptr}}), params::ParamsError);
  EXPECT_EQ(canon("summary", {{"account", "DU1"}, {"group", "G"}}),
            canon("summary", {{"group", "G"}, {"account", "DU1"}}));
  EXPECT_EQ(canon("positions", json::object()), std::string(1, '\x80'));
}

TEST(CanonicalParams, NumericFormsAreNormalised) {
  // Width of the integer encoding does not matter (nlohmann packs 5 as a fixint; the 9-byte
  // uint64 form below is as valid).
  const auto wide = test::RawMsgpack().map(1).str("last_n_days").uint64_wide(5).bytes();
  EXPECT_EQ(canonical_params("executions", wide), canon("executions", {{"last_n_days", 5}}));
  // A number param takes an integer or a float: the worker reads both as the same double.
  EXPECT_EQ(canon("contract_details", {{"con_id", 1}, {"strike", 150}}),
            canon("contract_details", {{"con_id", 1}, {"strike", 150.0}}));
  EXPECT_NE(canon("contract_details", {{"con_id", 1}, {"strike", 150.5}}),
            canon("contract_details", {{"con_id", 1}, {"strike", 150}}));
  // An integer param refuses a float, even an integral one: the worker does (issue 16, item 2).
  EXPECT_THROW(canon("executions", {{"last_n_days", 5.0}}), params::ParamsError);
  EXPECT_THROW(canon("contract_details", {{"con_id", 265598.0}}), params::ParamsError);
}

TEST(CanonicalParams, IntentDefaultsAreDropped) {
  EXPECT_EQ(canon("summary", {{"group", "All"}}), canon("summary", json::object()));
  EXPECT_EQ(canon("account_summary", {{"group", " All "}}),
            canon("account_summary", json::object()));
  EXPECT_NE(canon("summary", {{"group", "Mine"}}), canon("summary", json::object()));
  EXPECT_EQ(canon("executions", {{"client_id", 0}}), canon("executions", json::object()));
  EXPECT_EQ(canon("executions", {{"side", "bot"}}), canon("executions", {{"side", "BUY"}}));
  EXPECT_EQ(canon("executions", {{"symbol", " "}}), canon("executions", json::object()));
  EXPECT_EQ(canon("contract_details", {{"con_id", 1}, {"include_expired", false}}),
            canon("contract_details", {{"con_id", 1}}));
  // A service without a schema keys on its params' bytes: "group" means nothing to it.
  EXPECT_NE(canon("echo", {{"group", "All"}}), canon("echo", json::object()));
}

TEST(CanonicalParams, TagListsKeepTheirOrder) {
  // The worker asks the gateway for the tags in the order given, so the order is part of the
  // question; the string and the list form of one order are the same question.
  const auto a = canon("summary", {{"tags", {"AccountType", "NetLiquidation"}}});
  EXPECT_EQ(a, canon("summary", {{"tags", "AccountType, NetLiquidation"}}));
  EXPECT_EQ(a, canon("summary", {{"tags", {" AccountType", "NetLiquidation "}}}));
  EXPECT_NE(a, canon("summary", {{"tags", {"NetLiquidation", "AccountType"}}}));
  EXPECT_NE(a, canon("summary", {{"tags", {"AccountType"}}}));
  // The default tag list is the same as no tags.
  EXPECT_EQ(canon("account_summary", {{"tags", json(params::kDefaultAccountTags)}}),
            canon("account_summary", json::object()));
  // A malformed list is refused with the worker's message.
  EXPECT_THROW(canon("summary", {{"tags", {"A", 1}}}), params::ParamsError);
}

#ifdef INTENTQ_HAVE_WORKER_LIB
TEST(CanonicalParams, DefaultTagsAreTheWorkers) {
  // One definition (common/params_schema): the worker's name for it is the schema's.
  EXPECT_EQ(&intents::kDefaultAccountTags, &params::kDefaultAccountTags);
}
#endif

TEST(CanonicalParams, AccountsAreTrimmedAndDistinct) {
  EXPECT_EQ(canon("positions", {{"account", " DU1 "}}), canon("positions", {{"account", "DU1"}}));
  EXPECT_NE(canon("positions", {{"account", "DU1"}}), canon("positions", {{"account", "DU2"}}));
  EXPECT_NE(canon("positions", {{"account", "DU1"}}), canon("positions", json::object()));
}

// Issue 16, item 1: a key given twice (the last one nil) was DU1000002 to the broker's key and
// "every account" to the worker. Now it is refused before any sharing, with the worker's words.
TEST(CanonicalParams, AKeyGivenTwiceIsRefused) {
  using test::RawMsgpack;
  const auto account_then_nil =
      RawMsgpack().map(2).str("account").str("DU1000002").str("account").nil().bytes();
  const auto nil_then_account =
      RawMsgpack().map(2).str("account").nil().str("account").str("DU1000002").bytes();
  const auto twice =
      RawMsgpack().map(2).str("symbol").str("AAPL").str("symbol").str("MSFT").bytes();
  for (const char* service :
       {"positions", "open_orders", "summary", "executions", "account_summary"}) {
    SCOPED_TRACE(service);
    for (const auto& bytes : {account_then_nil, nil_then_account}) {
      try {
        read_reuse_fields(service, fields_with(bytes));
        ADD_FAILURE() << "accepted a key given twice";
      } catch (const params::ParamsError& e) {
        EXPECT_STREQ(e.what(), "param 'account' is given more than once");
      }
    }
  }
  const auto contract = RawMsgpack()
                            .map(3)
                            .str("symbol")
                            .str("AAPL")
                            .str("sec_type")
                            .str("STK")
                            .str("symbol")
                            .str("MSFT")
                            .bytes();
  EXPECT_THROW(canonical_params("contract_details", contract), params::ParamsError);
  // A service without a schema refuses it too (its worker might read either).
  EXPECT_THROW(canonical_params("place_order", twice), EnvelopeError);
}

// Issue 16, item 2: params the worker refuses never get a sharing key.
TEST(CanonicalParams, WhatTheWorkerRefusesIsRefusedWithItsMessage) {
  auto message = [](std::string_view service, const std::string& bytes) -> std::string {
    try {
      canonical_params(service, bytes);
    } catch (const params::ParamsError& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(message("contract_details", mp({{"con_id", 265598.0}})),
            "param 'con_id' must be an integer");
  EXPECT_EQ(message("contract_details", mp({{"con_id", nullptr}})),
            "param 'con_id' must not be nil (leave the param out to use its default)");
  EXPECT_EQ(message("contract_details", mp(json::object())),
            "contract_details needs param 'con_id', or 'symbol' (or 'local_symbol') with "
            "'sec_type', or 'sec_id_type' with 'sec_id'");
  EXPECT_EQ(message("positions", mp({{"acount", "DU1"}})),
            "param 'acount' is not known to intent 'positions' (known: account)");
  EXPECT_EQ(message("executions", mp({{"side", "LONG"}})),
            "param 'side' must be BUY or SELL (or BOT/SLD)");
  EXPECT_EQ(message("positions", mp({{"account", 5}})), "param 'account' must be a string");
  EXPECT_EQ(message("positions", mp({{"account", "  "}})), "param 'account' must not be empty");
  EXPECT_EQ(message("current_time", mp({{"x", 1}})),
            "param 'x' is not known to intent 'current_time' (known: none)");
}

TEST(CanonicalParams, TheWorkerIsSentTheCanonicalForm) {
  auto f = read_reuse_fields("summary", mp({{"params", {{"group", "All"}, {"account", " DU1"}}}}));
  EXPECT_TRUE(f.rewrite);
  EXPECT_EQ(f.params, mp({{"account", "DU1"}}));
  f = read_reuse_fields("summary", mp({{"params", {{"account", "DU1"}}}}));
  EXPECT_FALSE(f.rewrite) << "already canonical: forwarded as it came";
  f = read_reuse_fields("summary", mp({{"id", "x"}}));
  EXPECT_FALSE(f.rewrite) << "no params: nothing to rewrite";
  f = read_reuse_fields("echo", mp({{"params", {{"b", 1}, {"a", nullptr}}}}));
  EXPECT_FALSE(f.rewrite) << "a service without a schema gets its bytes unchanged";
  EXPECT_EQ(f.params, mp({{"b", 1}, {"a", nullptr}}));

  // The body the worker receives: params replaced, every other field kept.
  const auto body = mp({{"id", "x"}, {"params", {{"side", "bot"}}}, {"max_age_ms", 5}});
  f = read_reuse_fields("executions", body);
  const auto sent = json::from_msgpack(replace_params(body, f.params));
  EXPECT_EQ(sent, json({{"id", "x"}, {"params", {{"side", "BUY"}}}, {"max_age_ms", 5}}));
}

// The envelope's own `params` given twice: the broker and the worker read envelopes with one
// function (read_request_fields), so they pick the same map; a rewritten body holds only it.
TEST(CanonicalParams, ParamsGivenTwiceInTheEnvelopeAreReadAsTheWorkerReadsThem) {
  const auto body = test::RawMsgpack()
                        .map(3)
                        .str("params")
                        .raw(mp({{"account", "DU1"}}))
                        .str("id")
                        .str("x")
                        .str("params")
                        .raw(mp({{"account", " DU2"}}))
                        .bytes();
  const auto f = read_reuse_fields("positions", body);
  const auto worker_reads = read_request_fields(body);
  EXPECT_EQ(f.account, "DU2");
  EXPECT_EQ(canonical_params("positions", std::string(worker_reads.params)), f.params);
  const auto sent = replace_params(body, f.params);
  EXPECT_EQ(json::from_msgpack(sent), json({{"id", "x"}, {"params", {{"account", "DU2"}}}}));
  EXPECT_EQ(read_request_fields(sent).params, f.params);
}

TEST(ReuseFields, ReadsAccountAndMaxAge) {
  auto f = read_reuse_fields(
      "summary",
      mp({{"id", "x"}, {"max_age_ms", 1000}, {"params", {{"account", " DU1"}, {"group", "All"}}}}));
  EXPECT_EQ(f.max_age_ms, 1000u);
  EXPECT_EQ(f.account, "DU1");
  EXPECT_EQ(f.params, canon("summary", {{"account", "DU1"}}));

  f = read_reuse_fields("summary", mp({{"id", "x"}}));
  EXPECT_EQ(f.max_age_ms, 0u);
  EXPECT_FALSE(f.account);
  EXPECT_EQ(f.params, canon("summary", json::object()));

  f = read_reuse_fields("summary", mp({{"max_age_ms", nullptr}, {"params", nullptr}}));
  EXPECT_EQ(f.max_age_ms, 0u);
  EXPECT_FALSE(f.account);
}

TEST(ReuseFields, MarketDataIntentsArePinnedByGatewayAndHaveNoAccount) {
  // Issue 19: `gateway` routes a market-data job to the workers of one gateway; it is part of the
  // sharing key (a pinned request never shares with an unpinned one), and these intents have no
  // account to route by.
  const json quote{{"con_id", 265598}, {"gateway", " gw-paper "}};
  auto f = read_reuse_fields("quote", mp({{"id", "x"}, {"params", quote}}));
  EXPECT_EQ(f.gateway, "gw-paper");
  EXPECT_FALSE(f.account);
  EXPECT_NE(f.params, canon("quote", {{"con_id", 265598}}));
  EXPECT_EQ(
      f.params,
      canon("quote", {{"con_id", 265598}, {"gateway", "gw-paper"}, {"market_data_type", "live"}}));
  f = read_reuse_fields(
      "historical_bars",
      mp({{"params",
           {{"con_id", 265598}, {"duration", "1 d"}, {"bar_size", "1 mins"}, {"use_rth", true}}}}));
  EXPECT_FALSE(f.gateway);
  EXPECT_TRUE(f.rewrite);
  EXPECT_EQ(f.params, canon("historical_bars",
                            {{"con_id", 265598}, {"duration", "1 D"}, {"bar_size", "1 min"}}));
  EXPECT_THROW(read_reuse_fields("quote", mp({{"params", {{"con_id", 1}, {"account", "DU1"}}}})),
               params::ParamsError);
  // Positions have no gateway param: the key means nothing there.
  EXPECT_THROW(read_reuse_fields("positions", mp({{"params", {{"gateway", "gw"}}}})),
               params::ParamsError);
}

TEST(ReuseFields, RejectsWrongTypes) {
  EXPECT_THROW(read_reuse_fields("s", mp({{"max_age_ms", -1}})), EnvelopeError);
  EXPECT_THROW(read_reuse_fields("s", mp({{"max_age_ms", "1000"}})), EnvelopeError);
  EXPECT_THROW(read_reuse_fields("s", mp({{"max_age_ms", 1.5}})), EnvelopeError);
  EXPECT_THROW(read_reuse_fields("s", mp({{"params", {{"account", 5}}}})), EnvelopeError);
  EXPECT_THROW(read_reuse_fields("s", mp({{"params", {{"account", "  "}}}})), EnvelopeError);
  EXPECT_THROW(read_reuse_fields("s", mp(json::array({1}))), EnvelopeError);
  EXPECT_THROW(read_reuse_fields("s", "\xc1"), EnvelopeError);
  // Deeper than 64 levels is refused, not walked.
  json deep = json::object();
  for (int i = 0; i < 100; ++i) deep = json{{"a", deep}};
  EXPECT_THROW(read_reuse_fields("s", mp({{"params", deep}})), EnvelopeError);
}

#ifdef INTENTQ_HAVE_WORKER_LIB
// The property of issue 16: random params (keys given twice, nils, every msgpack type and
// integer/float encoding, unicode, any key order) never make two requests share unless the
// worker would run the same request for both; the broker refuses exactly what the worker
// refuses, with the same message; and the worker, sent the canonical form, runs what it would
// have run from the original bytes.
namespace property {

using test::RawMsgpack;

std::string hex(double d) {
  if (std::isnan(d)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", d);
  return buf;
}
std::string opt(const std::optional<std::string>& s) {
  return s ? "=" + *s : "<none>";
}

// The typed request the worker runs (or "error: <message>").
std::string worker_view(const std::string& service, const std::string& bytes) {
  JobContext job;
  job.intent = service;
  job.params_msgpack = bytes;
  const char sep = '\x1f';
  try {
    std::string out;
    if (service == "positions" || service == "open_orders") {
      out = opt(intents::parse_account_params(job).account);
    } else if (service == "executions") {
      const auto p = intents::parse_executions_params(job);
      const auto& f = p.filter;
      out = opt(p.account) + sep + std::to_string(f.client_id) + sep + f.account + sep + f.time +
            sep + f.symbol + sep + f.sec_type + sep + f.exchange + sep + f.side + sep +
            (f.last_n_days ? std::to_string(*f.last_n_days) : "-");
    } else if (service == "account_summary") {
      const auto p = intents::parse_account_summary_params(job);
      out = opt(p.account) + sep + p.group + sep + p.tags;
    } else if (service == "summary") {
      const auto p = intents::parse_account_summary_params(job);
      out = opt(p.account) + sep + p.group + sep + p.tags;
    } else if (service == "contract_details") {
      const auto c = intents::parse_contract_params(job);
      out = std::to_string(c.con_id) + sep + c.symbol + sep + c.sec_type + sep + c.last_trade_date +
            sep + (c.strike ? hex(*c.strike) : "-") + sep + c.right + sep + c.multiplier + sep +
            c.exchange + sep + c.primary_exchange + sep + c.currency + sep + c.local_symbol + sep +
            c.trading_class + sep + (c.include_expired ? "1" : "0") + sep + c.sec_id_type + sep +
            c.sec_id;
    } else if (service == "historical_bars" || service == "head_timestamp" || service == "quote") {
      // The market-data intents (issue 19): the contract, then each typed field.
      gw::Contract c;
      std::string rest;
      if (service == "historical_bars") {
        const auto p = intents::parse_historical_bars_params(job);
        c = p.contract;
        rest = opt(p.end) + sep + p.end_date_time + sep + p.duration + sep + p.bar_size + sep +
               p.what_to_show + sep + (p.use_rth ? "1" : "0") + sep + opt(p.gateway);
      } else if (service == "head_timestamp") {
        const auto p = intents::parse_head_timestamp_params(job);
        c = p.contract;
        rest = p.what_to_show + sep + (p.use_rth ? "1" : "0") + sep + opt(p.gateway);
      } else {
        const auto p = intents::parse_quote_params(job);
        c = p.contract;
        rest = p.market_data_type + sep + std::to_string(p.market_data_type_code) + sep +
               opt(p.gateway);
      }
      out = std::to_string(c.con_id) + sep + c.symbol + sep + c.sec_type + sep + c.last_trade_date +
            sep + (c.strike ? hex(*c.strike) : "-") + sep + c.right + sep + c.multiplier + sep +
            c.exchange + sep + c.primary_exchange + sep + c.currency + sep + c.local_symbol + sep +
            c.trading_class + sep + (c.include_expired ? "1" : "0") + sep + rest;
    } else {
      intents::parse_no_params(job);
    }
    return out;
  } catch (const JobFailure& e) {
    EXPECT_EQ(e.code, ErrorCode::kBadRequest) << e.what();
    return std::string("error: ") + e.what();
  }
}

std::string broker_key(const std::string& service, const std::string& bytes, bool& rewrite,
                       std::string& canonical) {
  try {
    const auto f = read_reuse_fields(service, fields_with(bytes));
    rewrite = f.rewrite;
    canonical = f.params;
    return service + '\0' + f.account.value_or("") + '\0' + f.params;  // as broker.cpp keys
  } catch (const params::ParamsError& e) {
    return std::string("error: ") + e.what();
  }
}

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  std::string params(const params::IntentParams& schema) {
    const auto& all = schema.params;
    const std::vector<std::string> odd{"acount", "Account", "account ", "\u00e4ccount", "x"};
    size_t n = pick(5);
    RawMsgpack m;
    // historical_bars needs a duration and a bar size besides its contract: most of its
    // requests get a valid (or nearly valid) pair first, spelled several ways.
    const bool bars = schema.intent == "historical_bars" && pick(4) != 0;
    const bool with_con_id = bars && pick(2) == 0;
    m.map(static_cast<uint32_t>(n + (bars ? 2 : 0) + (with_con_id ? 1 : 0)));
    if (with_con_id) m.str("con_id").integer(pick(2) == 0 ? 265598 : 3);
    if (bars) {
      static const std::vector<std::string> durations{"1 D", " 1 d", "3600 S", "2 W", "1 H"};
      static const std::vector<std::string> bar_sizes{"1 min",   "1 mins", "1 hour",
                                                      "1 hours", "1 secs", "7 mins"};
      m.str("duration").str(durations[pick(durations.size())]);
      m.str("bar_size").str(bar_sizes[pick(bar_sizes.size())]);
    }
    for (size_t i = 0; i < n; ++i) {
      if (all.empty() || pick(12) == 0) {
        m.str(odd[pick(odd.size())]);
        value(m, 0);
        continue;
      }
      // Half the time one of the first three params (the identity of contract_details, the
      // account and symbol of executions): small key sets make keys given twice common and
      // requests valid often enough to share.
      const auto& param = all[pick(pick(2) == 0 ? std::min<size_t>(3, all.size()) : all.size())];
      m.str(param.name);
      if (pick(2) == 0)
        typed(m, param.kind);
      else
        value(m, 0);
    }
    return m.bytes();
  }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  // A value of the param's own type (still often invalid: out of range, not allowed, nil-free).
  void typed(RawMsgpack& m, params::Kind kind) {
    static const std::vector<std::string> strings{
        "DU7000001", " DU7000002", "AAPL", " aapl", "STK", "stk", "opt",  "BOT",
        "Sell",      "call",       "P",    "All",   "G",   "",    "SMART"};
    static const std::vector<std::string> tags{"NetLiquidation", " AccountType", "Cushion",
                                               "$LEDGER:USD"};
    switch (kind) {
      case params::Kind::kString:
        m.str(strings[pick(strings.size())]);
        break;
      case params::Kind::kInteger: {
        const int64_t n = pick(3) == 0 ? 0 : (pick(2) == 0 ? 265598 : 3);
        pick(2) == 0 ? m.integer(n) : m.uint64_wide(static_cast<uint64_t>(n));
        break;
      }
      case params::Kind::kNumber:
        pick(2) == 0 ? m.integer(150) : m.float64(pick(2) == 0 ? 150.0 : 150.5);
        break;
      case params::Kind::kBoolean:
        m.boolean(pick(2) == 0);
        break;
      case params::Kind::kStringList:
        if (pick(2) == 0) {
          m.str(tags[pick(tags.size())] + (pick(2) == 0 ? "," + tags[pick(tags.size())] : ""));
        } else {
          const auto n = static_cast<uint32_t>(1 + pick(2));
          m.array(n);
          for (uint32_t i = 0; i < n; ++i) m.str(tags[pick(tags.size())]);
        }
        break;
    }
  }

  void value(RawMsgpack& m, int depth) {
    static const std::vector<std::string> strings{"DU7000001",
                                                  " DU7000001 ",
                                                  "DU7000002",
                                                  "",
                                                  "  ",
                                                  "All",
                                                  " All ",
                                                  "all",
                                                  "Traders",
                                                  "AAPL",
                                                  "aapl",
                                                  " MSFT",
                                                  "STK",
                                                  "stk",
                                                  " STK",
                                                  "opt",
                                                  "BOT",
                                                  "buy",
                                                  "SLD",
                                                  "Sell",
                                                  "LONG",
                                                  "C",
                                                  "call",
                                                  "PUT",
                                                  "p",
                                                  "20260105 09:30:00",
                                                  "20260105-09:30:00 UTC",
                                                  "20260105 9:30",
                                                  "NetLiquidation",
                                                  "AccountType, NetLiquidation",
                                                  "NetLiquidation,AccountType",
                                                  "NetLiquidation,,Cushion",
                                                  "$LEDGER:USD",
                                                  "$LEDGER:usd",
                                                  "NetLiq",
                                                  "\u00dcn\u00efc\u00f6d\u00e9",
                                                  "\u65e5\u672c",
                                                  std::string("a\0b", 3),
                                                  "SMART",
                                                  "USD",
                                                  "202612",
                                                  "50",
                                                  "TRADES",
                                                  " midpoint",
                                                  "BID_ASK",
                                                  "live",
                                                  " Delayed",
                                                  "2026-12-04T21:00:00Z",
                                                  "2026-12-04t21:00:00z",
                                                  "gw1"};
    static const std::vector<int64_t> ints{0,      1,   3,   -1,         -7,         265598,
                                           272093, 365, 366, 2147483647, 2147483648, 150};
    switch (pick(depth == 0 ? 9 : 6)) {
      case 0:
        m.nil();
        break;
      case 1:
        m.boolean(pick(2) == 0);
        break;
      case 2: {
        const auto n = ints[pick(ints.size())];
        if (pick(3) == 0)
          n >= 0 ? m.uint64_wide(static_cast<uint64_t>(n)) : m.int64_wide(n);
        else
          m.integer(n);
        break;
      }
      case 3: {
        static const std::vector<double> reals{0.0,   -0.0,     1.0,          5.0,  150.0,
                                               150.5, 265598.0, std::nan(""), -2.5, 1e300};
        const double d = reals[pick(reals.size())];
        if (pick(2) == 0)
          m.float32(static_cast<float>(d));
        else
          m.float64(d);
        break;
      }
      case 4:
      case 5:
        m.str(strings[pick(strings.size())]);
        break;
      case 6:
        if (pick(4) == 0) {
          m.uint64_wide(std::numeric_limits<uint64_t>::max());
        } else {
          m.str(strings[pick(strings.size())]);
        }
        break;
      default: {  // a list, usually of strings
        const auto n = static_cast<uint32_t>(pick(4));
        m.array(n);
        for (uint32_t i = 0; i < n; ++i) {
          if (pick(6) == 0)
            value(m, depth + 1);
          else
            m.str(strings[pick(strings.size())]);
        }
      }
    }
  }

  std::mt19937 rng_;
};

TEST(CanonicalParamsProperty, SharingImpliesTheSameWorkerRequest) {
  const uint32_t seed = 16;
  Generator gen(seed);
  for (const auto& schema : params::intents()) {
    const std::string service(schema.intent);
    SCOPED_TRACE(service);
    std::map<std::string, std::pair<std::string, std::string>> by_key;  // key -> (view, bytes)
    std::map<std::string, std::string> key_of_view;
    size_t accepted = 0, shared = 0, duplicates_refused = 0;
    for (int i = 0; i < 6000; ++i) {
      const auto bytes = gen.params(schema);
      bool rewrite = false;
      std::string canonical;
      const auto key = broker_key(service, bytes, rewrite, canonical);
      const auto view = worker_view(service, bytes);
      if (key.rfind("error: ", 0) == 0) {
        // Refused at the broker: the worker refuses it too, with the same message (or, for a
        // key given twice, which the worker's own check also refuses).
        ASSERT_EQ(key, view) << "params " << json::from_msgpack(bytes, true, false).dump();
        duplicates_refused += key.find("more than once") != std::string::npos;
        continue;
      }
      ASSERT_EQ(view.rfind("error: ", 0), std::string::npos)
          << "the broker accepted what the worker refuses: " << view;
      ++accepted;
      // The worker is sent the canonical form and runs exactly the same request.
      ASSERT_EQ(worker_view(service, rewrite ? canonical : bytes), view);
      ASSERT_EQ(worker_view(service, canonical), view);
      auto [it, fresh] = by_key.emplace(key, std::make_pair(view, bytes));
      if (!fresh) {
        ASSERT_EQ(it->second.first, view)
            << "two requests share a key but the worker would run different requests";
        shared += it->second.second != bytes;
      }
      auto [vt, vfresh] = key_of_view.emplace(view, key);
      EXPECT_EQ(vt->second, key) << "one worker request under two keys (a missed share)";
    }
    std::printf(
        "%s: 6000 params, %zu accepted (%zu distinct keys, %zu shared a key with other "
        "bytes), %zu refused as keys given twice\n",
        service.c_str(), accepted, by_key.size(), shared, duplicates_refused);
    EXPECT_GT(accepted, 50u) << "the generator must produce valid params";
    EXPECT_GT(duplicates_refused, 50u) << "and keys given twice";
    if (service != "current_time") {
      EXPECT_GT(shared, 5u) << "and different bytes that share";
    }
  }
}

}  // namespace property
#endif

TEST(SharedReply, RewritesIdAndAddsProvenance) {
  JobReply r;
  r.id = "job-1";
  r.intent = "summary";
  r.result = {{"accounts", {"DU1"}}, {"x", 1.5}};
  r.timings_ms = {{"run", 3}};
  r.worker = "w1";
  const auto body = encode_reply(r);

  const auto attached = rewrite_reply(body, "req-2", "job-1", std::nullopt);
  auto j = json::from_msgpack(attached);
  EXPECT_EQ(j["id"], "req-2");
  EXPECT_EQ(j["source_id"], "job-1");
  EXPECT_FALSE(j.contains("cached"));
  EXPECT_EQ(j["result"], r.result);
  EXPECT_EQ(j["worker"], "w1");
  const auto back = decode_reply(attached);  // still a valid reply envelope
  EXPECT_EQ(back.id, "req-2");
  EXPECT_TRUE(back.ok);

  const auto cached = rewrite_reply(attached, "req-3", "job-1", 420);
  j = json::from_msgpack(cached);
  EXPECT_EQ(j["id"], "req-3");
  EXPECT_EQ(j["cached"], true);
  EXPECT_EQ(j["age_ms"], 420);
  EXPECT_EQ(j["source_id"], "job-1");
  size_t ids = 0;  // keys are replaced, not duplicated
  for (auto& [k, v] : j.items()) ids += k == "id";
  EXPECT_EQ(ids, 1u);
  EXPECT_EQ(j.size(), json::from_msgpack(body).size() + 3);
  EXPECT_THROW(rewrite_reply("\x91\x01", "a", "b", std::nullopt), EnvelopeError);
}

}  // namespace
}  // namespace intentq::broker
