#include "broker/canonical_params.hpp"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include <msgpack.hpp>

namespace intentq::broker {
namespace {

constexpr size_t kMaxDepth = 64;
const std::string kEmptyMap(1, '\x80');

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view str_of(const msgpack::object& o) {
  return {o.via.str.ptr, o.via.str.size};
}

// A service without a schema: its params' own bytes are the key. Only the top-level account is
// read (routing), and a repeated key is refused so that no reader can pick another value.
ReuseFields opaque_params(std::string_view params) {
  ReuseFields f;
  f.params = std::string(params);
  msgpack::object_handle handle;
  try {
    handle = msgpack::unpack(params.data(), params.size(), nullptr, nullptr,
                             msgpack::unpack_limit(params.size(), params.size(), params.size(),
                                                   params.size(), params.size(), kMaxDepth));
  } catch (const std::exception& e) {
    throw EnvelopeError(std::string("invalid msgpack: ") + e.what());
  }
  const auto& map = handle.get();
  if (map.type != msgpack::type::MAP) throw EnvelopeError("field 'params' must be a map");
  std::vector<std::string_view> keys;
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    const auto& kv = map.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) throw EnvelopeError("params keys must be strings");
    keys.push_back(str_of(kv.key));
    if (str_of(kv.key) != "account" || kv.val.type == msgpack::type::NIL) continue;
    if (kv.val.type != msgpack::type::STR || trim(str_of(kv.val)).empty())
      throw EnvelopeError("field 'params.account' must be a non-empty string");
    f.account = std::string(trim(str_of(kv.val)));
  }
  std::sort(keys.begin(), keys.end());
  if (auto d = std::adjacent_find(keys.begin(), keys.end()); d != keys.end())
    throw EnvelopeError("field 'params." + std::string(*d) + "' is given more than once");
  return f;
}

ReuseFields reuse_fields(std::string_view service, std::string_view params) {
  const auto* schema = params::find_intent(service);
  if (!schema) {
    if (params.empty()) {
      ReuseFields empty;
      empty.params = kEmptyMap;
      return empty;
    }
    return opaque_params(params);
  }
  const auto parsed = params::parse(*schema, params, service);
  ReuseFields f;
  f.params = parsed.canonical();
  f.rewrite = !params.empty() && f.params != params;
  if (schema->has("account")) f.account = parsed.string("account");
  if (schema->has("gateway")) f.gateway = parsed.string("gateway");
  return f;
}

}  // namespace

std::string canonical_params(std::string_view service, std::string_view params) {
  return reuse_fields(service, params).params;
}

ReuseFields read_reuse_fields(std::string_view service, const RequestFields& request) {
  ReuseFields f = reuse_fields(service, request.params);
  f.max_age_ms = request.max_age_ms;
  return f;
}

ReuseFields read_reuse_fields(std::string_view service, std::string_view body) {
  return read_reuse_fields(service, read_request_fields(body));
}

}  // namespace intentq::broker
