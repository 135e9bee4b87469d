#include "common/curve_keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <zmq.h>

namespace intentq::curve {
namespace fs = std::filesystem;
namespace {

// A certificate is a few hundred bytes; this bounds what a stray large file can make us read.
constexpr std::uintmax_t kMaxCertBytes = 64 * 1024;

std::string read_small_file(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) throw std::runtime_error("cannot read " + file.string() + ": " + ec.message());
  if (size > kMaxCertBytes)
    throw std::runtime_error(file.string() + " is not a certificate (over 64 KiB)");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The quoted value of `key = "value"` inside the certificate's `curve` section (ZPL, as zcert
// writes it: four-space indented name = "value" lines).
std::string find_value(const std::string& text, std::string_view key) {
  std::istringstream lines(text);
  std::string line;
  bool in_curve = false;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    if (first == 0) {  // a top-level section name
      in_curve = line == "curve";
      continue;
    }
    if (!in_curve) continue;
    std::string_view rest(line);
    rest.remove_prefix(first);
    if (!rest.starts_with(key)) continue;
    rest.remove_prefix(key.size());
    const auto eq = rest.find_first_not_of(" \t");
    if (eq == std::string_view::npos || rest[eq] != '=') continue;
    rest.remove_prefix(eq + 1);
    const auto q1 = rest.find('"');
    const auto q2 = rest.rfind('"');
    if (q1 == std::string_view::npos || q2 == q1) continue;
    return std::string(rest.substr(q1 + 1, q2 - q1 - 1));
  }
  return {};
}

std::string header(std::string_view kind) {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return std::string("#   ****  Generated on ") + stamp + " by intentq keygen  ****\n" +
         std::string(kind);
}

// Writes a new file with `mode` (O_EXCL: never replaces an existing key).
void write_new(const fs::path& file, const std::string& text, mode_t mode) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    throw std::runtime_error("cannot create " + file.string() + ": " + std::strerror(errno) +
                             (errno == EEXIST ? " (refusing to overwrite a key)" : ""));
  // The umask may have removed bits from `mode`; a public file should still be readable.
  ::fchmod(fd, mode);
  size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      throw std::runtime_error("cannot write " + file.string() + ": " + why);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    throw std::runtime_error("cannot write " + file.string() + ": " + std::strerror(errno));
}

}  // namespace

KeyPair generate() {
  std::array<char, 41> pub{}, sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0)
    throw std::runtime_error(std::string("cannot generate a CURVE key pair: ") +
                             zmq_strerror(zmq_errno()) + " (libzmq built without CURVE?)");
  return KeyPair{pub.data(), sec.data()};
}

bool is_z85_key(std::string_view text) {
  if (text.size() != 40) return false;
  const std::string copy(text);
  std::array<uint8_t, 32> bytes{};
  return zmq_z85_decode(bytes.data(), copy.c_str()) != nullptr;
}

std::string public_of(const std::string& secret_key) {
  if (!is_z85_key(secret_key)) throw std::runtime_error("not a Z85 CURVE secret key");
  std::array<char, 41> pub{};
  if (zmq_curve_public(pub.data(), secret_key.c_str()) != 0)
    throw std::runtime_error(std::string("cannot derive the public key: ") +
                             zmq_strerror(zmq_errno()));
  return pub.data();
}

void save(const fs::path& dir, const std::string& name, const KeyPair& keys) {
  if (name.empty() || name.front() == '.' || name.find('/') != std::string::npos)
    throw std::runtime_error("bad key name '" + name + "' (no '/', must not start with '.')");
  if (!is_z85_key(keys.public_key) || !is_z85_key(keys.secret_key))
    throw std::runtime_error("not a Z85 CURVE key pair");
  std::error_code ec;
  if (!fs::exists(dir)) {
    fs::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, ec);
  }
  const std::string curve = "\nmetadata\ncurve\n    public-key = \"" + keys.public_key + "\"\n";
  const auto pub_file = dir / (name + ".key");
  const auto sec_file = dir / (name + ".key_secret");
  if (fs::exists(pub_file) || fs::exists(sec_file))
    throw std::runtime_error("key '" + name + "' already exists in " + dir.string() +
                             " (refusing to overwrite)");
  write_new(sec_file,
            header("#   ZeroMQ CURVE **Secret** Certificate\n"
                   "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n") +
                curve + "    secret-key = \"" + keys.secret_key + "\"\n",
            0600);
  write_new(pub_file,
            header("#   ZeroMQ CURVE Public Certificate\n"
                   "#   Exchange securely, or use a secure mechanism to verify the contents\n"
                   "#   of this file after exchange.\n") +
                curve,
            0644);
}

std::string load_public(const fs::path& file) {
  const auto key = find_value(read_small_file(file), "public-key");
  if (!is_z85_key(key))
    throw std::runtime_error(file.string() + ": no valid public-key (40 Z85 characters)");
  return key;
}

KeyPair load_secret(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    throw std::runtime_error("cannot read " + file.string() + ": " + std::strerror(errno));
  // What the file is comes first: a public certificate passed by mistake needs another file, not
  // a chmod.
  const auto text = read_small_file(file);
  KeyPair keys{find_value(text, "public-key"), find_value(text, "secret-key")};
  if (keys.secret_key.empty() && is_z85_key(keys.public_key))
    throw std::runtime_error(file.string() +
                             " is a public key file (it has no secret-key); pass the .key_secret "
                             "file of the same name");
  if (!is_z85_key(keys.secret_key))
    throw std::runtime_error(file.string() +
                             ": no valid secret-key (40 Z85 characters); pass a .key_secret file "
                             "made by intentq keygen");
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    throw std::runtime_error(file.string() +
                             " is accessible by group or others; chmod 600 it (secret key)");
  const auto derived = public_of(keys.secret_key);
  if (keys.public_key.empty()) keys.public_key = derived;
  if (keys.public_key != derived)
    throw std::runtime_error(file.string() + ": public-key does not belong to secret-key");
  return keys;
}

std::string public_from_text_or_file(const std::string& text_or_path) {
  if (is_z85_key(text_or_path) && !fs::exists(text_or_path)) return text_or_path;
  return load_public(text_or_path);
}

std::set<std::string> load_public_dir(const fs::path& dir, std::vector<std::string>* problems) {
  std::set<std::string> keys;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    if (problems) problems->push_back("cannot read " + dir.string() + ": " + ec.message());
    return keys;
  }
  for (const auto& entry : it) {
    if (entry.path().extension() != ".key") continue;
    if (!entry.is_regular_file(ec)) continue;
    try {
      keys.insert(load_public(entry.path()));
    } catch (const std::exception& e) {
      if (problems) problems->push_back(e.what());
    }
  }
  return keys;
}

}  // namespace intentq::curve
