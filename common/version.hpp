// The version of intentq's programs, as --version prints it: "0.1.0 (git 308d570abcde)", or
// "0.1.0" when built outside a git checkout. From CMake's project() (cmake/version.cmake).
#pragma once

#include <string>

namespace intentq {

std::string version();
// "<program> <version>", the --version line.
std::string version_line(const std::string& program);

}  // namespace intentq
