// Checks on a file named by an option (--config, a gwsim --scenario) before it is opened: a FIFO
// would block the open, a device such as /dev/zero would be read without end, and a path the
// file system refuses must be a clear message, not an exception.
#pragma once

#include <cstdint>
#include <string>

namespace intentq {

// Why `path` cannot be read as a regular file of at most `max_bytes` ("is a FIFO, not a regular
// file", "File name too long", "is 2097152 bytes; at most 1048576 are allowed", ...); empty when
// it can. Follows symlinks. Never throws.
std::string regular_file_problem(const std::string& path, uint64_t max_bytes);

}  // namespace intentq
