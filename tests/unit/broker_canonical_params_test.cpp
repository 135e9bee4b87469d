// Canonical params (issue 11): which requests the broker treats as asking the same thing, the
// routing fields it reads from a request, and the per-request rewrite of a shared reply.
#include "broker/canonical_params.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "broker/shared_reply.hpp"
#include "common/envelope.hpp"
#ifdef INTENTQ_HAVE_WORKER_LIB
#include "worker/intents/params.hpp"
#endif

namespace intentq::broker {
namespace {

using nlohmann::json;

std::string mp(const json& j) {
  auto b = json::to_msgpack(j);
  return {b.begin(), b.end()};
}
std::string canon(std::string_view service, const json& params) {
  return canonical_params(service, mp(params));
}

TEST(CanonicalParams, KeyOrderAndNilDoNotMatter) {
  EXPECT_EQ(canon("positions", json::object()), canon("positions", {{"account", nullptr}}));
  EXPECT_EQ(canon("summary", {{"account", "DU1"}, {"group", "G"}}),
            canon("summary", {{"group", "G"}, {"account", "DU1"}}));
  EXPECT_EQ(canon("echo", {{"a", {{"y", 1}, {"x", nullptr}, {"w", 2}}}}),
            canon("echo", {{"a", {{"w", 2}, {"y", 1}}}}));  // nested maps too
  EXPECT_EQ(canon("echo", json::object()), std::string(1, '\x80'));
}

TEST(CanonicalParams, NumericFormsAreNormalised) {
  EXPECT_EQ(canon("executions", {{"last_n_days", 5}}), canon("executions", {{"last_n_days", 5.0}}));
  EXPECT_EQ(canon("echo", {{"n", -3}}), canon("echo", {{"n", -3.0}}));
  EXPECT_EQ(canon("echo", {{"n", 0}}), canon("echo", {{"n", -0.0}}));
  // Width of the integer encoding does not matter (nlohmann packs 5 as a fixint; msgpack-c's
  // uint64 form below is 9 bytes).
  std::string wide = "\x81\xa1n\xcf";
  wide += std::string(7, '\0') + "\x05";
  EXPECT_EQ(canonical_params("echo", wide), canon("echo", {{"n", 5}}));
  EXPECT_NE(canon("echo", {{"n", 5.5}}), canon("echo", {{"n", 5}}));
  EXPECT_NE(canon("echo", {{"n", "5"}}), canon("echo", {{"n", 5}}));  // types still differ
  EXPECT_NE(canon("echo", {{"n", true}}), canon("echo", {{"n", 1}}));
}

TEST(CanonicalParams, IntentDefaultsAreDropped) {
  EXPECT_EQ(canon("summary", {{"group", "All"}}), canon("summary", json::object()));
  EXPECT_EQ(canon("account_summary", {{"group", " All "}}),
            canon("account_summary", json::object()));
  EXPECT_NE(canon("summary", {{"group", "Mine"}}), canon("summary", json::object()));
  EXPECT_EQ(canon("executions", {{"client_id", 0}}), canon("executions", json::object()));
  EXPECT_EQ(canon("executions", {{"side", "bot"}}), canon("executions", {{"side", "BUY"}}));
  EXPECT_EQ(canon("contract_details", {{"con_id", 1}, {"include_expired", false}}),
            canon("contract_details", {{"con_id", 1}}));
  // Defaults are per intent: "group" means nothing special to echo.
  EXPECT_NE(canon("echo", {{"group", "All"}}), canon("echo", json::object()));
}

TEST(CanonicalParams, TagListsAreSets) {
  const auto a = canon("summary", {{"tags", {"NetLiquidation", "AccountType"}}});
  EXPECT_EQ(a, canon("summary", {{"tags", {"AccountType", "NetLiquidation"}}}));
  EXPECT_EQ(a, canon("summary", {{"tags", "AccountType, NetLiquidation"}}));
  EXPECT_EQ(a, canon("summary", {{"tags", {"AccountType", "NetLiquidation", "AccountType"}}}));
  EXPECT_NE(a, canon("summary", {{"tags", {"AccountType"}}}));
  // The default tag set, in any order or form, is the same as no tags.
  json defaults =
      json::array({"Leverage", "Cushion", "ExcessLiquidity", "AvailableFunds", "MaintMarginReq",
                   "InitMarginReq", "GrossPositionValue", "EquityWithLoanValue", "BuyingPower",
                   "SettledCash", "TotalCashValue", "NetLiquidation", "AccountType"});
  EXPECT_EQ(canon("account_summary", {{"tags", defaults}}),
            canon("account_summary", json::object()));
  // A malformed list keeps its generic form (the worker answers BAD_REQUEST).
  EXPECT_NE(canon("summary", {{"tags", {"A", 1}}}), canon("summary", {{"tags", {"A"}}}));
}

#ifdef INTENTQ_HAVE_WORKER_LIB
TEST(CanonicalParams, DefaultTagsAgreeWithTheWorker) {
  const json worker_defaults = intents::kDefaultAccountTags;
  EXPECT_EQ(canon("summary", {{"tags", worker_defaults}}), canon("summary", json::object()));
}
#endif

TEST(CanonicalParams, AccountsAreTrimmedAndDistinct) {
  EXPECT_EQ(canon("positions", {{"account", " DU1 "}}), canon("positions", {{"account", "DU1"}}));
  EXPECT_NE(canon("positions", {{"account", "DU1"}}), canon("positions", {{"account", "DU2"}}));
  EXPECT_NE(canon("positions", {{"account", "DU1"}}), canon("positions", json::object()));
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

  f = read_reuse_fields("summary",
                        mp({{"max_age_ms", nullptr}, {"params", {{"account", nullptr}}}}));
  EXPECT_EQ(f.max_age_ms, 0u);
  EXPECT_FALSE(f.account);
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
