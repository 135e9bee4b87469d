#include "worker/intents/params.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace intentq::intents {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

// IB's execution filter time: "yyyymmdd hh:mm:ss" or "yyyymmdd-hh:mm:ss", optionally followed by
// a space and a time zone ("US/Eastern", "UTC").
bool valid_filter_time(std::string_view t) {
  auto digit = [&](size_t i) {
    return i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]));
  };
  for (size_t i = 0; i < 8; ++i)
    if (!digit(i)) return false;
  if (t.size() < 17 || (t[8] != ' ' && t[8] != '-')) return false;
  if (!digit(9) || !digit(10) || t[11] != ':' || !digit(12) || !digit(13) || t[14] != ':' ||
      !digit(15) || !digit(16))
    return false;
  return t.size() == 17 || (t[17] == ' ' && t.size() > 18);
}

const std::vector<std::string> kSecTypes{
    "STK", "OPT",  "FUT",  "CASH",  "BOND", "CFD",  "FOP",   "WAR", "IOPT", "FWD", "BAG",
    "IND", "BILL", "FUND", "FIXED", "SLB",  "NEWS", "CMDTY", "BSK", "ICU",  "ICS", "CRYPTO"};

std::string checked_sec_type(const std::string& value) {
  std::string v = upper(value);
  if (std::find(kSecTypes.begin(), kSecTypes.end(), v) == kSecTypes.end())
    bad_param("sec_type", "must be one of " + join(kSecTypes, ", ") + " (got '" + value + "')");
  return v;
}

// Validates a tag list and joins it the way reqAccountSummary wants it.
std::string checked_tags(const std::optional<std::vector<std::string>>& tags) {
  const auto& list = tags ? *tags : kDefaultAccountTags;
  if (list.empty()) bad_param("tags", "must name at least one tag");
  for (const auto& tag : list) {
    bool ledger = tag == "$LEDGER" || tag == "$LEDGER:ALL" ||
                  (tag.size() == 11 && tag.rfind("$LEDGER:", 0) == 0 &&
                   std::all_of(tag.begin() + 8, tag.end(),
                               [](char c) { return std::isupper(static_cast<unsigned char>(c)); }));
    if (!ledger && std::find(kKnownAccountTags.begin(), kKnownAccountTags.end(), tag) ==
                       kKnownAccountTags.end())
      bad_param("tags", "unknown account summary tag '" + tag +
                            "' (known: " + join(kKnownAccountTags, ", ") +
                            ", $LEDGER, $LEDGER:ALL, $LEDGER:<CURRENCY>)");
  }
  return join(list, ",");
}

std::string checked_group(const std::optional<std::string>& group) {
  if (!group) return "All";
  if (trim(*group).empty()) bad_param("group", "must not be empty");
  return std::string(trim(*group));
}

std::optional<std::string> checked_account(std::optional<std::string> account) {
  if (account && trim(*account).empty()) bad_param("account", "must not be empty");
  if (account) account = std::string(trim(*account));
  return account;
}

}  // namespace

const std::vector<std::string> kDefaultAccountTags{
    "AccountType",    "NetLiquidation",      "TotalCashValue",     "SettledCash",
    "BuyingPower",    "EquityWithLoanValue", "GrossPositionValue", "InitMarginReq",
    "MaintMarginReq", "AvailableFunds",      "ExcessLiquidity",    "Cushion",
    "Leverage"};

const std::vector<std::string> kKnownAccountTags{
    "AccountType",
    "NetLiquidation",
    "TotalCashValue",
    "SettledCash",
    "AccruedCash",
    "BuyingPower",
    "EquityWithLoanValue",
    "PreviousEquityWithLoanValue",
    "GrossPositionValue",
    "ReqTEquity",
    "ReqTMargin",
    "SMA",
    "InitMarginReq",
    "MaintMarginReq",
    "AvailableFunds",
    "ExcessLiquidity",
    "Cushion",
    "FullInitMarginReq",
    "FullMaintMarginReq",
    "FullAvailableFunds",
    "FullExcessLiquidity",
    "LookAheadNextChange",
    "LookAheadInitMarginReq",
    "LookAheadMaintMarginReq",
    "LookAheadAvailableFunds",
    "LookAheadExcessLiquidity",
    "HighestSeverity",
    "DayTradesRemaining",
    "Leverage",
};

void bad_param(std::string_view key, std::string_view what) {
  throw JobFailure(ErrorCode::kBadRequest, "param '" + std::string(key) + "' " + std::string(what));
}

ParamReader::ParamReader(std::string intent, const nlohmann::json& params)
    : intent_(std::move(intent)), params_(params) {
  if (!params_.is_object() && !params_.is_null())
    throw JobFailure(ErrorCode::kBadRequest, "params must be a map");
}

const nlohmann::json* ParamReader::find(std::string_view key) {
  known_.emplace(key);
  if (!params_.is_object()) return nullptr;
  auto it = params_.find(key);
  if (it == params_.end() || it->is_null()) return nullptr;
  return &*it;
}

void ParamReader::fail(std::string_view key, std::string_view what) const {
  bad_param(key, what);
}

std::optional<std::string> ParamReader::string(std::string_view key) {
  const auto* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) fail(key, "must be a string");
  const auto& text = v->get_ref<const std::string&>();
  // The TWS protocol ends every field with a NUL: one inside a value would split the field.
  if (text.find('\0') != std::string::npos) fail(key, "must not contain a NUL byte");
  return text;
}

std::optional<int64_t> ParamReader::integer(std::string_view key, int64_t min, int64_t max) {
  const auto* v = find(key);
  if (!v) return std::nullopt;
  int64_t n = 0;
  if (v->is_number_unsigned()) {
    auto u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail(key, "must be at most " + std::to_string(max));
    n = static_cast<int64_t>(u);
  } else if (v->is_number_integer()) {
    n = v->get<int64_t>();
  } else {
    fail(key, "must be an integer");
  }
  if (n < min || n > max)
    fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return n;
}

std::optional<double> ParamReader::number(std::string_view key) {
  const auto* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_number()) fail(key, "must be a number");
  return v->get<double>();
}

std::optional<bool> ParamReader::boolean(std::string_view key) {
  const auto* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) fail(key, "must be a boolean");
  return v->get<bool>();
}

std::optional<std::vector<std::string>> ParamReader::string_list(std::string_view key) {
  const auto* v = find(key);
  if (!v) return std::nullopt;
  std::vector<std::string> out;
  auto add = [&](std::string_view item) {
    item = trim(item);
    if (item.empty()) fail(key, "must not contain empty entries");
    if (item.find('\0') != std::string_view::npos) fail(key, "must not contain a NUL byte");
    out.emplace_back(item);
  };
  if (v->is_string()) {
    std::string_view s = v->get_ref<const std::string&>();
    size_t start = 0;
    while (true) {
      size_t comma = s.find(',', start);
      add(s.substr(start,
                   comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  } else if (v->is_array()) {
    for (const auto& item : *v) {
      if (!item.is_string()) fail(key, "must be a string or a list of strings");
      add(item.get_ref<const std::string&>());
    }
  } else {
    fail(key, "must be a string or a list of strings");
  }
  return out;
}

void ParamReader::finish() const {
  if (!params_.is_object()) return;
  for (const auto& [key, value] : params_.items()) {
    if (known_.count(key)) continue;
    std::vector<std::string> known(known_.begin(), known_.end());
    throw JobFailure(ErrorCode::kBadRequest,
                     "param '" + key + "' is not known to intent '" + intent_ + "' (known: " +
                         (known.empty() ? std::string("none") : join(known, ", ")) + ")");
  }
}

AccountParams parse_account_params(const JobContext& job) {
  ParamReader r(job.intent, job.params);
  AccountParams p;
  p.account = checked_account(r.string("account"));
  r.finish();
  return p;
}

ExecutionsParams parse_executions_params(const JobContext& job) {
  ParamReader r(job.intent, job.params);
  ExecutionsParams p;
  p.account = checked_account(r.string("account"));
  if (p.account) p.filter.account = *p.account;
  if (auto v = r.string("symbol")) p.filter.symbol = std::string(trim(*v));
  if (auto v = r.string("sec_type")) p.filter.sec_type = checked_sec_type(*v);
  if (auto v = r.string("exchange")) p.filter.exchange = std::string(trim(*v));
  if (auto v = r.string("side")) {
    // IB's filter takes BUY/SELL; executions report BOT/SLD. Accept both spellings.
    std::string side = upper(std::string(trim(*v)));
    if (side == "BOT") side = "BUY";
    if (side == "SLD") side = "SELL";
    if (side != "BUY" && side != "SELL") bad_param("side", "must be BUY or SELL (or BOT/SLD)");
    p.filter.side = side;
  }
  if (auto v = r.string("time")) {
    if (!valid_filter_time(*v))
      bad_param("time",
                "must look like \"yyyymmdd hh:mm:ss\" (optionally followed by a time zone)");
    p.filter.time = *v;
  }
  if (auto v = r.integer("client_id", 0, std::numeric_limits<int32_t>::max()))
    p.filter.client_id = static_cast<int>(*v);
  if (auto v = r.integer("last_n_days", 1, 365)) p.filter.last_n_days = static_cast<int>(*v);
  r.finish();
  return p;
}

AccountSummaryParams parse_account_summary_params(const JobContext& job) {
  ParamReader r(job.intent, job.params);
  AccountSummaryParams p;
  p.account = checked_account(r.string("account"));
  p.group = checked_group(r.string("group"));
  p.tags = checked_tags(r.string_list("tags"));
  r.finish();
  return p;
}

SummaryParams parse_summary_params(const JobContext& job) {
  ParamReader r(job.intent, job.params);
  SummaryParams p;
  p.account = checked_account(r.string("account"));
  p.group = checked_group(r.string("group"));
  p.tags = checked_tags(r.string_list("tags"));
  r.finish();
  return p;
}

gw::Contract parse_contract_params(const JobContext& job) {
  ParamReader r(job.intent, job.params);
  gw::Contract c;
  if (auto v = r.integer("con_id", 1, std::numeric_limits<int64_t>::max())) c.con_id = *v;
  auto text = [&](std::string_view key, std::string& field) {
    if (auto v = r.string(key)) field = std::string(trim(*v));
  };
  text("symbol", c.symbol);
  if (auto v = r.string("sec_type")) c.sec_type = checked_sec_type(*v);
  text("last_trade_date", c.last_trade_date);
  if (auto v = r.number("strike")) {
    if (*v <= 0) bad_param("strike", "must be positive");
    c.strike = *v;
  }
  if (auto v = r.string("right")) {
    std::string right = upper(std::string(trim(*v)));
    if (right == "CALL") right = "C";
    if (right == "PUT") right = "P";
    if (right != "C" && right != "P") bad_param("right", "must be C or P (or CALL/PUT)");
    c.right = right;
  }
  text("multiplier", c.multiplier);
  text("exchange", c.exchange);
  text("primary_exchange", c.primary_exchange);
  text("currency", c.currency);
  text("local_symbol", c.local_symbol);
  text("trading_class", c.trading_class);
  text("sec_id_type", c.sec_id_type);
  text("sec_id", c.sec_id);
  if (auto v = r.boolean("include_expired")) c.include_expired = *v;
  r.finish();

  bool by_id = c.con_id > 0;
  bool by_symbol = !c.sec_type.empty() && (!c.symbol.empty() || !c.local_symbol.empty());
  bool by_sec_id = !c.sec_id_type.empty() && !c.sec_id.empty();
  if (!by_id && !by_symbol && !by_sec_id)
    throw JobFailure(ErrorCode::kBadRequest,
                     "contract_details needs param 'con_id', or 'symbol' (or 'local_symbol') with "
                     "'sec_type', or 'sec_id_type' with 'sec_id'");
  return c;
}

void parse_no_params(const JobContext& job) {
  ParamReader r(job.intent, job.params);
  r.finish();
}

void check_account(const std::optional<std::string>& account,
                   const std::vector<std::string>& managed) {
  if (!account) return;
  if (std::find(managed.begin(), managed.end(), *account) != managed.end()) return;
  bad_param("account", "names an account the gateway does not manage: '" + *account +
                           "' (managed: " + join(managed, ", ") + ")");
}

}  // namespace intentq::intents
