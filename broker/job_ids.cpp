#include "broker/job_ids.hpp"

#include <sys/random.h>

#include <cerrno>
#include <stdexcept>

namespace intentq::broker {

std::string JobIds::next() {
  if (used_ + 16 > pool_.size()) {
    size_t got = 0;
    while (got < pool_.size()) {
      const ssize_t n = ::getrandom(pool_.data() + got, pool_.size() - got, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error("getrandom failed");
      }
      got += static_cast<size_t>(n);
    }
    used_ = 0;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "j-";
  id.reserve(34);
  for (size_t i = 0; i < 16; ++i) {
    const uint8_t b = pool_[used_ + i];
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 0xf]);
  }
  used_ += 16;
  return id;
}

}  // namespace intentq::broker
