// Registering a prometheus-cpp metric family in one call.
#pragma once

#include <string>

#include <prometheus/registry.h>

namespace intentq {

// The family `builder` makes (prometheus::BuildCounter(), BuildGauge(), BuildHistogram()), named
// `name` with its help text and registered in `registry`.
template <typename Builder>
auto& add_family(prometheus::Registry& registry, Builder builder, const std::string& name,
                 const std::string& help) {
  return builder.Name(name).Help(help).Register(registry);
}

}  // namespace intentq
