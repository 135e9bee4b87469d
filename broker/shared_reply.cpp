#include "broker/shared_reply.hpp"

#include <msgpack.hpp>

#include "common/envelope.hpp"

namespace intentq::broker {
namespace {

struct Out {
  std::string bytes;
  void write(const char* data, size_t n) { bytes.append(data, n); }
};

bool replaced(std::string_view key) {
  return key == "id" || key == "source_id" || key == "cached" || key == "age_ms";
}

// Copies the map `body` without the keys `drop` names, then appends what `extra` packs
// (`extra_keys` pairs).
template <typename Drop, typename Extra>
std::string rewrite(std::string_view body, Drop drop, uint32_t extra_keys, size_t extra_bytes,
                    Extra extra) {
  msgpack::object_handle handle;
  try {
    handle = msgpack::unpack(
        body.data(), body.size(), nullptr, nullptr,
        msgpack::unpack_limit(body.size(), body.size(), body.size(), body.size(), body.size(), 64));
  } catch (const std::exception& e) {
    throw EnvelopeError(std::string("reply is not valid msgpack: ") + e.what());
  }
  const auto& o = handle.get();
  if (o.type != msgpack::type::MAP) throw EnvelopeError("reply is not a msgpack map");
  auto dropped = [&](const msgpack::object& k) {
    return k.type == msgpack::type::STR && drop(std::string_view(k.via.str.ptr, k.via.str.size));
  };
  uint32_t kept = 0;
  for (uint32_t i = 0; i < o.via.map.size; ++i) kept += !dropped(o.via.map.ptr[i].key);
  Out out;
  out.bytes.reserve(body.size() + extra_bytes + 40);
  msgpack::packer<Out> p(out);
  p.pack_map(kept + extra_keys);
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (dropped(kv.key)) continue;
    p.pack(kv.key);
    p.pack(kv.val);
  }
  extra(p);
  return std::move(out.bytes);
}

}  // namespace

std::string rewrite_reply(std::string_view body, std::string_view id, std::string_view source_id,
                          std::optional<uint64_t> cached_age_ms) {
  return rewrite(body, replaced, 2 + (cached_age_ms ? 2 : 0), id.size() + source_id.size(),
                 [&](msgpack::packer<Out>& p) {
                   p.pack(std::string_view("id"));
                   p.pack(id);
                   p.pack(std::string_view("source_id"));
                   p.pack(source_id);
                   if (cached_age_ms) {
                     p.pack(std::string_view("cached"));
                     p.pack(true);
                     p.pack(std::string_view("age_ms"));
                     p.pack_uint64(*cached_age_ms);
                   }
                 });
}

std::string rewrite_reply_id(std::string_view body, std::string_view id) {
  return rewrite(
      body, [](std::string_view key) { return key == "id"; }, 1, id.size(),
      [&](msgpack::packer<Out>& p) {
        p.pack(std::string_view("id"));
        p.pack(id);
      });
}

}  // namespace intentq::broker
