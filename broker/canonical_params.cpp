#include "broker/canonical_params.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <set>
#include <utility>
#include <vector>

#include <msgpack.hpp>

#include "common/envelope.hpp"

namespace intentq::broker {
namespace {

constexpr size_t kMaxDepth = 64;

// The account summary tags a summary/account_summary job asks for when it names none (the
// worker's kDefaultAccountTags; tests/unit/broker_canonical_params_test.cpp checks they agree).
const std::set<std::string, std::less<>> kDefaultTags{
    "AccountType",    "NetLiquidation",      "TotalCashValue",     "SettledCash",
    "BuyingPower",    "EquityWithLoanValue", "GrossPositionValue", "InitMarginReq",
    "MaintMarginReq", "AvailableFunds",      "ExcessLiquidity",    "Cushion",
    "Leverage"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view str_of(const msgpack::object& o) {
  return {o.via.str.ptr, o.via.str.size};
}

msgpack::object_handle unpack(std::string_view bytes) {
  try {
    // Limits: depth as the envelope rules; container sizes are bounded by the bytes anyway.
    return msgpack::unpack(bytes.data(), bytes.size(), nullptr, nullptr,
                           msgpack::unpack_limit(bytes.size(), bytes.size(), bytes.size(),
                                                 bytes.size(), bytes.size(), kMaxDepth));
  } catch (const std::exception& e) {
    throw EnvelopeError(std::string("invalid msgpack: ") + e.what());
  }
}

// A msgpack-c stream that appends to a string, so packed values and already-canonical bytes can
// be mixed in one output.
struct Out {
  std::string bytes;
  void write(const char* data, size_t n) { bytes.append(data, n); }
};
using Packer = msgpack::packer<Out>;

// The generic rules: nil map values dropped, map keys sorted by their canonical bytes, integers
// in their shortest form, floats with an integral value as integers, float32 widened, -0.0 as 0.
void canonical(const msgpack::object& o, Out& out, size_t depth);

void canonical_number(double d, Packer& p) {
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
    if (d >= 0)
      p.pack_uint64(static_cast<uint64_t>(d));
    else
      p.pack_int64(static_cast<int64_t>(d));
  } else if (std::isnan(d)) {
    p.pack_double(std::nan(""));  // one NaN, whatever its payload bits
  } else {
    p.pack_double(d);
  }
}

using Entries = std::vector<std::pair<std::string, std::string>>;  // (key bytes, value bytes)

std::string canonical_bytes(const msgpack::object& o, size_t depth) {
  Out out;
  canonical(o, out, depth);
  return std::move(out.bytes);
}

void pack_entries(Entries& entries, Out& out) {
  std::sort(entries.begin(), entries.end());
  Packer(out).pack_map(static_cast<uint32_t>(entries.size()));
  for (const auto& [k, v] : entries) {
    out.bytes += k;
    out.bytes += v;
  }
}

void canonical(const msgpack::object& o, Out& out, size_t depth) {
  if (depth > kMaxDepth) throw EnvelopeError("params nest deeper than 64 levels");
  Packer p(out);
  switch (o.type) {
    case msgpack::type::NIL:
      p.pack_nil();
      break;
    case msgpack::type::BOOLEAN:
      if (o.via.boolean)
        p.pack_true();
      else
        p.pack_false();
      break;
    case msgpack::type::POSITIVE_INTEGER:
      p.pack_uint64(o.via.u64);
      break;
    case msgpack::type::NEGATIVE_INTEGER:
      p.pack_int64(o.via.i64);
      break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      canonical_number(o.via.f64, p);
      break;
    case msgpack::type::STR:
      p.pack_str(o.via.str.size);
      p.pack_str_body(o.via.str.ptr, o.via.str.size);
      break;
    case msgpack::type::BIN:
      p.pack_bin(o.via.bin.size);
      p.pack_bin_body(o.via.bin.ptr, o.via.bin.size);
      break;
    case msgpack::type::EXT:
      p.pack_ext(o.via.ext.size, o.via.ext.type());
      p.pack_ext_body(o.via.ext.data(), o.via.ext.size);
      break;
    case msgpack::type::ARRAY:
      p.pack_array(o.via.array.size);
      for (uint32_t i = 0; i < o.via.array.size; ++i) canonical(o.via.array.ptr[i], out, depth + 1);
      break;
    case msgpack::type::MAP: {
      Entries entries;
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        if (kv.val.type == msgpack::type::NIL) continue;  // nil counts as absent
        entries.emplace_back(canonical_bytes(kv.key, depth + 1),
                             canonical_bytes(kv.val, depth + 1));
      }
      pack_entries(entries, out);
      break;
    }
  }
}

std::string packed_str(std::string_view s) {
  Out out;
  Packer p(out);
  p.pack_str(static_cast<uint32_t>(s.size()));
  p.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
  return std::move(out.bytes);
}

// A tag list as the worker reads it (a list of strings or one comma-separated string, entries
// trimmed): the sorted set of its tags, or nullopt when it has another shape (the worker will
// answer BAD_REQUEST; the generic form is kept).
std::optional<std::set<std::string, std::less<>>> tag_set(const msgpack::object& o) {
  std::set<std::string, std::less<>> tags;
  auto add = [&](std::string_view t) {
    t = trim(t);
    if (t.empty()) return false;
    tags.emplace(t);
    return true;
  };
  if (o.type == msgpack::type::STR) {
    std::string_view list = str_of(o);
    while (true) {
      const auto comma = list.find(',');
      if (!add(list.substr(0, comma))) return std::nullopt;
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  } else if (o.type == msgpack::type::ARRAY) {
    for (uint32_t i = 0; i < o.via.array.size; ++i) {
      const auto& e = o.via.array.ptr[i];
      if (e.type != msgpack::type::STR || !add(str_of(e))) return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (tags.empty()) return std::nullopt;
  return tags;
}

// Intent-specific rules for one top-level param. Returns false to drop the key (its value is the
// intent's default), true with `value` set to the canonical bytes otherwise.
bool canonical_param(std::string_view service, std::string_view key, const msgpack::object& v,
                     std::string& value) {
  const bool summary = service == "summary" || service == "account_summary";
  if (key == "account" && v.type == msgpack::type::STR) {
    value = packed_str(trim(str_of(v)));  // the worker trims it too
    return true;
  }
  if (summary && key == "group" && v.type == msgpack::type::STR) {
    const auto g = trim(str_of(v));
    if (g == "All") return false;
    if (!g.empty()) {
      value = packed_str(g);
      return true;
    }
  }
  if (summary && key == "tags") {
    if (auto tags = tag_set(v)) {
      if (*tags == kDefaultTags) return false;
      Out out;
      Packer p(out);
      p.pack_array(static_cast<uint32_t>(tags->size()));
      for (const auto& t : *tags) out.bytes += packed_str(t);
      value = std::move(out.bytes);
      return true;
    }
  }
  if (service == "executions") {
    if (key == "client_id" && v.type == msgpack::type::POSITIVE_INTEGER && v.via.u64 == 0)
      return false;  // 0 = any client, the default
    if (key == "side" && v.type == msgpack::type::STR) {
      std::string side = upper(trim(str_of(v)));
      if (side == "BOT") side = "BUY";
      if (side == "SLD") side = "SELL";
      value = packed_str(side);
      return true;
    }
  }
  if (service == "contract_details" && key == "include_expired" &&
      v.type == msgpack::type::BOOLEAN && !v.via.boolean)
    return false;
  value = canonical_bytes(v, 1);
  return true;
}

std::string canonical_params_of(std::string_view service, const msgpack::object& params) {
  Entries entries;
  for (uint32_t i = 0; i < params.via.map.size; ++i) {
    const auto& kv = params.via.map.ptr[i];
    if (kv.val.type == msgpack::type::NIL) continue;
    std::string value;
    if (kv.key.type == msgpack::type::STR) {
      if (!canonical_param(service, str_of(kv.key), kv.val, value)) continue;
    } else {
      value = canonical_bytes(kv.val, 1);
    }
    entries.emplace_back(canonical_bytes(kv.key, 1), std::move(value));
  }
  Out out;
  pack_entries(entries, out);
  return std::move(out.bytes);
}

}  // namespace

std::string canonical_params(std::string_view service, std::string_view params) {
  const auto handle = unpack(params);
  const auto& o = handle.get();
  if (o.type != msgpack::type::MAP) throw EnvelopeError("field 'params' must be a map");
  return canonical_params_of(service, o);
}

ReuseFields read_reuse_fields(std::string_view service, const RequestFields& request) {
  ReuseFields f;
  f.max_age_ms = request.max_age_ms;
  if (request.params.empty()) {
    f.params = std::string(1, '\x80');
    return f;
  }
  const auto handle = unpack(request.params);
  const auto& params = handle.get();
  if (params.type != msgpack::type::MAP) throw EnvelopeError("field 'params' must be a map");
  for (uint32_t i = 0; i < params.via.map.size; ++i) {
    const auto& kv = params.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR || str_of(kv.key) != "account" ||
        kv.val.type == msgpack::type::NIL)
      continue;
    if (kv.val.type != msgpack::type::STR || trim(str_of(kv.val)).empty())
      throw EnvelopeError("field 'params.account' must be a non-empty string");
    f.account = std::string(trim(str_of(kv.val)));
  }
  f.params = canonical_params_of(service, params);
  return f;
}

ReuseFields read_reuse_fields(std::string_view service, std::string_view body) {
  return read_reuse_fields(service, read_request_fields(body));
}

}  // namespace intentq::broker
