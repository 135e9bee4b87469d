#include "common/version.hpp"

#include "intentq_build_version.hpp"

namespace intentq {

std::string version() {
  const std::string commit = INTENTQ_GIT_COMMIT;
  return commit.empty() ? INTENTQ_VERSION : std::string(INTENTQ_VERSION) + " (git " + commit + ")";
}

std::string version_line(const std::string& program) {
  return program + " " + version();
}

}  // namespace intentq
