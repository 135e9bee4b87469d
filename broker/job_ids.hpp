// Ids for jobs submitted without one: 128 random bits from the kernel's CSPRNG (getrandom), as
// "j-" + 32 hex digits. Unguessable, so nobody can ask the broker for another client's job by
// id (issue 7 defect 5). Randomness is fetched in batches: one syscall per 256 ids.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace intentq::broker {

class JobIds {
 public:
  std::string next();

 private:
  std::array<uint8_t, 16 * 256> pool_{};
  size_t used_ = pool_.size();  // empty: filled on first use
};

}  // namespace intentq::broker
