// Forward declarations of prometheus-cpp's types, for headers that only hold references to
// a registry or its families (the full headers are heavy).
#pragma once

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus
