// Bearer tokens of the HTTP front (--tokens FILE): one `name token` pair per line, `#` comments
// and blank lines ignored. A request is let in when its `Authorization: Bearer <token>` equals one
// of them; the comparison is of SHA-256 digests with CRYPTO_memcmp, so its time depends neither on
// where the tokens differ nor on their lengths. Reloaded on SIGHUP (a file that no longer parses
// keeps the old set and says why).
#pragma once

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace intentq::http {

struct TokenFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Tokens {
 public:
  // Shortest token accepted: a guessable token is no protection.
  static constexpr size_t kMinTokenBytes = 16;

  // Reads `path`; throws TokenFileError naming the file and line.
  static Tokens load(const std::string& path);
  // Parses the text of a token file (`origin` names it in errors).
  static Tokens parse(std::string_view text, const std::string& origin);

  // The name of the token `authorization` (the whole header value) carries, or nullopt.
  std::optional<std::string> check(std::string_view authorization) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string name;
    std::array<unsigned char, 32> digest;
  };
  std::vector<Entry> entries_;
};

}  // namespace intentq::http
