// Forward declarations of the prometheus-cpp types that metrics headers only name, so that their
// users do not compile prometheus-cpp's headers.
#pragma once

namespace prometheus {
class Exposer;
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus
