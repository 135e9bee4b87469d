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

msgpack::object_handle unpack_map(std::string_view body) {
  msgpack::object_handle handle;
  try {
    handle = msgpack::unpack(
        body.data(), body.size(), nullptr, nullptr,
        msgpack::unpack_limit(body.size(), body.size(), body.size(), body.size(), body.size(), 64));
  } catch (const std::exception& e) {
    throw EnvelopeError(std::string("reply is not valid msgpack: ") + e.what());
  }
  if (handle.get().type != msgpack::type::MAP) throw EnvelopeError("reply is not a msgpack map");
  return handle;
}

// The reply map `body` without the string keys `drop` accepts, followed by `added` entries that
// `append` packs: the broker's edits of a worker's reply never touch its other fields.
template <typename Drop, typename Append>
std::string rewrite_map(std::string_view body, size_t extra_bytes, Drop drop, uint32_t added,
                        Append append) {
  const auto handle = unpack_map(body);
  const auto& o = handle.get();
  auto dropped = [&](const msgpack::object& k) {
    return k.type == msgpack::type::STR && drop(std::string_view(k.via.str.ptr, k.via.str.size));
  };
  uint32_t kept = 0;
  for (uint32_t i = 0; i < o.via.map.size; ++i)
    if (!dropped(o.via.map.ptr[i].key)) ++kept;
  Out out;
  out.bytes.reserve(body.size() + extra_bytes);
  msgpack::packer<Out> p(out);
  p.pack_map(kept + added);
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (dropped(kv.key)) continue;
    p.pack(kv.key);
    p.pack(kv.val);
  }
  append(p);
  return std::move(out.bytes);
}

}  // namespace

std::string mark_dedup(std::string_view body, uint64_t age_ms) {
  auto ours = [](std::string_view key) { return key == "dedup" || key == "dedup_age_ms"; };
  return rewrite_map(body, 32, ours, 2, [&](msgpack::packer<Out>& p) {
    p.pack(std::string_view("dedup"));
    p.pack(true);
    p.pack(std::string_view("dedup_age_ms"));
    p.pack_uint64(age_ms);
  });
}

std::string rewrite_reply(std::string_view body, std::string_view id, std::string_view source_id,
                          std::optional<uint64_t> cached_age_ms) {
  return rewrite_map(body, id.size() + source_id.size() + 40, replaced, 2 + (cached_age_ms ? 2 : 0),
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
  auto is_id = [](std::string_view key) { return key == "id"; };
  return rewrite_map(body, id.size() + 8, is_id, 1, [&](msgpack::packer<Out>& p) {
    p.pack(std::string_view("id"));
    p.pack(id);
  });
}

}  // namespace intentq::broker
