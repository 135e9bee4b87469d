#include "common/file_checks.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace intentq {

std::string regular_file_problem(const std::string& path, uint64_t max_bytes) {
  if (path.empty()) return "the path is empty";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::strerror(errno);
  if (S_ISDIR(st.st_mode)) return "is a directory, not a regular file";
  if (S_ISFIFO(st.st_mode)) return "is a FIFO, not a regular file";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return "is a device, not a regular file";
  if (S_ISSOCK(st.st_mode)) return "is a socket, not a regular file";
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    return "is " + std::to_string(st.st_size) + " bytes; at most " + std::to_string(max_bytes) +
           " are allowed";
  return {};
}

}  // namespace intentq
