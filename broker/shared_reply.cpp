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

}  // namespace

std::string mark_dedup(std::string_view body, uint64_t age_ms) {
  const auto handle = unpack_map(body);
  const auto& o = handle.get();
  auto ours = [](const msgpack::object& k) {
    return k.type == msgpack::type::STR &&
           (std::string_view(k.via.str.ptr, k.via.str.size) == "dedup" ||
            std::string_view(k.via.str.ptr, k.via.str.size) == "dedup_age_ms");
  };
  uint32_t kept = 0;
  for (uint32_t i = 0; i < o.via.map.size; ++i)
    if (!ours(o.via.map.ptr[i].key)) ++kept;
  Out out;
  out.bytes.reserve(body.size() + 32);
  msgpack::packer<Out> p(out);
  p.pack_map(kept + 2);
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (ours(kv.key)) continue;
    p.pack(kv.key);
    p.pack(kv.val);
  }
  p.pack(std::string_view("dedup"));
  p.pack(true);
  p.pack(std::string_view("dedup_age_ms"));
  p.pack_uint64(age_ms);
  return std::move(out.bytes);
}

std::string rewrite_reply(std::string_view body, std::string_view id, std::string_view source_id,
                          std::optional<uint64_t> cached_age_ms) {
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
  uint32_t kept = 0;
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& k = o.via.map.ptr[i].key;
    if (!(k.type == msgpack::type::STR && replaced({k.via.str.ptr, k.via.str.size}))) ++kept;
  }
  Out out;
  out.bytes.reserve(body.size() + id.size() + source_id.size() + 40);
  msgpack::packer<Out> p(out);
  p.pack_map(kept + 2 + (cached_age_ms ? 2 : 0));
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR && replaced({kv.key.via.str.ptr, kv.key.via.str.size}))
      continue;
    p.pack(kv.key);
    p.pack(kv.val);
  }
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
  return std::move(out.bytes);
}

std::string rewrite_reply_id(std::string_view body, std::string_view id) {
  const auto handle = unpack_map(body);
  const auto& o = handle.get();
  auto is_id = [](const msgpack::object& k) {
    return k.type == msgpack::type::STR && std::string_view(k.via.str.ptr, k.via.str.size) == "id";
  };
  uint32_t kept = 0;
  for (uint32_t i = 0; i < o.via.map.size; ++i)
    if (!is_id(o.via.map.ptr[i].key)) ++kept;
  Out out;
  out.bytes.reserve(body.size() + id.size() + 8);
  msgpack::packer<Out> p(out);
  p.pack_map(kept + 1);
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (is_id(kv.key)) continue;
    p.pack(kv.key);
    p.pack(kv.val);
  }
  p.pack(std::string_view("id"));
  p.pack(id);
  return std::move(out.bytes);
}

}  // namespace intentq::broker
