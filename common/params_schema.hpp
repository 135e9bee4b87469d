// The params of the gateway intents, described once for the broker and the worker.
//
// Why here: the broker decides which requests may share one fetch (coalescing) or one stored
// answer (max_age_ms) from their params, and the worker decides what it asks IB Gateway from the
// same params. When the two read params differently, one account's data reaches a request for
// another (issue 16: `{"account": "DU1", "account": nil}` was DU1 to the broker and "every
// account" to the worker). So both read params through this one schema: the broker validates a
// request with it and builds the sharing key from the canonical form it returns, and forwards
// that canonical form to the worker, which parses it with the same schema again. The broker links
// no worker or gateway code, so the schema lives in common/ and is plain C++ over msgpack-c.
//
// Rules (docs/protocol.md "Canonical params"): params is a map (or nil = {}); a key given twice
// is an error (even when one of them is nil); a nil value is an error (absent means left out);
// unknown keys are an error; each param has one type (no int/float or string/number mixing except
// that a number param takes either); strings are trimmed where the worker trims them, aliases
// mapped, values checked against their allowed set or range. The canonical form holds the values
// that differ from their default, normalised, keys sorted.
//
// Every problem is a ParamsError whose message is the one the worker answers BAD_REQUEST with
// ("param 'side' must be BUY or SELL (or BOT/SLD)").
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace intentq::params {

struct ParamsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Kind {
  kString,      // a msgpack string (no NUL byte)
  kInteger,     // a msgpack integer (not a float, even an integral one) within [min, max]
  kNumber,      // a msgpack integer or float, read as a double
  kBoolean,     // a msgpack boolean
  kStringList,  // a list of strings or one comma-separated string; entries trimmed, non-empty
};

using Value = std::variant<std::string, int64_t, double, bool, std::vector<std::string>>;

class Parsed;

struct Param {
  std::string_view name;
  Kind kind = Kind::kString;
  // kString: whitespace trimmed, then upper-cased, then mapped through `aliases` (in that order).
  bool trim = false;
  bool upper = false;
  bool non_empty = false;  // "must not be empty" (after trimming)
  std::vector<std::pair<std::string_view, std::string_view>> aliases;
  // kString: the allowed values (after the steps above; empty = any). The error is `not_allowed`
  // when set, else "must be one of A, B, ... (got '<value as given>')".
  std::vector<std::string_view> allowed;
  std::string_view not_allowed;
  int64_t min = 0, max = 0;  // kInteger
  bool positive = false;     // kNumber: "must be positive"
  // A further check on the normalised value: the error text after "param '<name>' ", or "".
  std::string (*check)(const Value&) = nullptr;
  // The value the worker uses when the param is absent; a given value equal to it (after
  // normalising) is the same request and is left out of the canonical form.
  std::optional<Value> default_value;
};

struct IntentParams {
  std::string_view intent;
  std::vector<Param> params;  // checked in this order: the first failing one is reported
  // A rule across params, checked after all of them: the whole error message, or "".
  std::string (*check)(const Parsed&) = nullptr;

  bool has(std::string_view name) const {
    for (const auto& p : params)
      if (p.name == name) return true;
    return false;
  }
};

// Every gateway intent's params (positions, open_orders, executions, account_summary, summary,
// contract_details, current_time). nullptr for an intent without a schema (echo, opaque ones).
const IntentParams* find_intent(std::string_view intent);
const std::vector<IntentParams>& intents();

// The validated params of one request: the values given that differ from their defaults.
class Parsed {
 public:
  // The value, or the param's default, or nullopt. Throws std::logic_error when the intent has no
  // such param or it is of another kind (a programming error).
  std::optional<std::string> string(std::string_view name) const;
  std::optional<int64_t> integer(std::string_view name) const;
  std::optional<double> number(std::string_view name) const;
  std::optional<bool> boolean(std::string_view name) const;
  std::optional<std::vector<std::string>> string_list(std::string_view name) const;

  // The canonical form: a msgpack map of the non-default values, keys sorted, strings as
  // normalised, integers and integral numbers in their shortest integer encoding, other numbers as
  // float64 (finite: NaN and infinities are refused; msgpack-c's packer decides the encoding). Two
  // requests of one intent ask the same thing exactly when their canonical forms are byte-equal,
  // and parse(canonical()) gives back an equal Parsed.
  std::string canonical() const;

  bool operator==(const Parsed& other) const { return values_ == other.values_; }

 private:
  friend Parsed parse(const IntentParams&, std::string_view, std::string_view);
  const Value* find(std::string_view name, Kind kind) const;

  const IntentParams* schema_ = nullptr;
  std::vector<std::pair<std::string_view, Value>> values_;  // in schema order
};

// Validates `params` (the msgpack bytes of one map, or nil, or empty = {}) for `schema`; `intent`
// names the intent in messages (the request's service). Throws ParamsError.
Parsed parse(const IntentParams& schema, std::string_view params, std::string_view intent);

// The standard account summary tags a job that names none asks for (in this order).
extern const std::vector<std::string> kDefaultAccountTags;
// Every tag reqAccountSummary accepts (plus the $LEDGER forms, checked separately).
extern const std::vector<std::string> kKnownAccountTags;

}  // namespace intentq::params
