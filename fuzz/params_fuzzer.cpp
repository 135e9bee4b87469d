// libFuzzer target for the params schema the broker and the worker share (common/params_schema):
// the input is one request's params (msgpack bytes), parsed for every gateway intent.
//
// ParamsError is the only acceptable failure. Checked properties (the process traps when one
// fails), the ones the broker's answer sharing rests on (issue 16):
//   - the canonical form of accepted params parses again, to equal params and the same bytes;
//   - the canonical form never holds a key twice or a nil (what the worker would refuse).
#include <cstdint>
#include <string>
#include <string_view>

#include "common/params_schema.hpp"

namespace {

[[noreturn]] void property_broken(const char* what) {
  (void)what;  // visible in the crash report's stack
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace intentq::params;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const auto& schema : intents()) {
    std::string canonical;
    Parsed first;
    try {
      first = parse(schema, bytes, schema.intent);
      canonical = first.canonical();
    } catch (const ParamsError&) {
      continue;
    }
    try {
      const auto again = parse(schema, canonical, schema.intent);
      if (!(again == first)) property_broken("canonical form parses to other params");
      if (again.canonical() != canonical) property_broken("canonical form is not stable");
    } catch (const ParamsError&) {
      property_broken("the canonical form of accepted params is refused");
    }
  }
  return 0;
}
