// libFuzzer target for what peers send the broker and workers: envelope bodies and MDP frames.
//
// The input is used twice:
//   1. as one body frame: decode_request, decode_reply, the broker's parse_request/parse_reply
//      and the generic msgpack_codec::to_json. EnvelopeError is the only acceptable failure.
//      Checked properties (the process traps when one fails):
//      - one rule set: the broker's parse_request accepts exactly what decode_request accepts;
//      - a decoded request encodes to a body that decodes to the same encoding again;
//      - the body the broker forwards (reencode_request) decodes to the same params.
//   2. split at '\n' into frames and given to mdp::parse_ready (the READY a worker sends);
//      MdpError is the only acceptable failure.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "broker/request_body.hpp"
#include "common/envelope.hpp"
#include "common/mdp_frames.hpp"
#include "common/msgpack_codec.hpp"

namespace {

[[noreturn]] void property_broken(const char* what) {
  (void)what;  // visible in the crash report's stack
  __builtin_trap();
}

// The params as the encoder writes them (a canonical form to compare).
std::string params_bytes(const intentq::JobRequest& r) {
  intentq::JobRequest only_params;
  only_params.params = r.params;
  return intentq::encode_request(only_params);
}

void envelope_body(std::string_view body) {
  bool decoded = false;
  try {
    const auto request = intentq::decode_request(body);
    decoded = true;
    const auto once = intentq::encode_request(request);
    if (intentq::encode_request(intentq::decode_request(once)) != once)
      property_broken("request encode/decode is not stable");
  } catch (const intentq::EnvelopeError&) {
  }
  bool parsed = false;
  try {
    const auto fields = intentq::broker::parse_request(body);
    parsed = true;
    const auto forwarded = intentq::broker::reencode_request(body, "fuzz", 1, 2);
    const auto a = intentq::decode_request(forwarded);
    const auto b = intentq::decode_request(body);
    if (params_bytes(a) != params_bytes(b))
      property_broken("reencode_request changed params");
    if (a.id != "fuzz" || a.deadline_ms != 1u || a.queued_ms != 2u)
      property_broken("reencode_request lost the broker's fields");
    (void)fields;
  } catch (const intentq::EnvelopeError&) {
  }
  if (decoded != parsed) property_broken("broker and decoder disagree on a request");
  try {
    const auto reply = intentq::decode_reply(body);
    (void)intentq::reply_to_json(reply).dump(-1, ' ', false,
                                             nlohmann::json::error_handler_t::replace);
  } catch (const intentq::EnvelopeError&) {
  }
  try {
    intentq::broker::parse_reply(body);
  } catch (const intentq::EnvelopeError&) {
  }
  try {
    intentq::msgpack_codec::to_json(body);
  } catch (const intentq::EnvelopeError&) {
  }
}

void ready_frames(std::string_view data) {
  intentq::mdp::Frames frames;
  size_t start = 0;
  while (start <= data.size() && frames.size() < 1024) {
    const auto end = std::min(data.find('\n', start), data.size());
    frames.push_back(intentq::mdp::frame(data.substr(start, end - start)));
    start = end + 1;
  }
  try {
    intentq::mdp::parse_ready(frames, 0);
  } catch (const intentq::mdp::MdpError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  envelope_body(input);
  ready_frames(input);
  return 0;
}
