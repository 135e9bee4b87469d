#include "http/tokens.hpp"

#include <fstream>
#include <sstream>

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace intentq::http {
namespace {

std::array<unsigned char, 32> digest_of(std::string_view text) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

Tokens Tokens::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TokenFileError("cannot read token file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

Tokens Tokens::parse(std::string_view text, const std::string& origin) {
  Tokens tokens;
  size_t line_no = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const auto where = origin + ":" + std::to_string(line_no);
    const auto space = line.find_first_of(" \t");
    if (space == std::string_view::npos) throw TokenFileError(where + ": expected `name token`");
    const auto name = line.substr(0, space);
    const auto token = trim(line.substr(space));
    if (token.find_first_of(" \t") != std::string_view::npos)
      throw TokenFileError(where + ": a token may not contain spaces");
    if (token.size() < kMinTokenBytes)
      throw TokenFileError(where + ": token of '" + std::string(name) + "' is shorter than " +
                           std::to_string(kMinTokenBytes) + " bytes");
    tokens.entries_.push_back({std::string(name), digest_of(token)});
  }
  if (tokens.entries_.empty()) throw TokenFileError(origin + ": no tokens");
  return tokens;
}

std::optional<std::string> Tokens::check(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i)  // the scheme is case-insensitive (RFC 7235)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i])))
      return std::nullopt;
  const auto given = digest_of(trim(authorization.substr(kScheme.size())));
  // Every entry is compared, match or not: the time does not say which one matched.
  const Entry* match = nullptr;
  for (const auto& entry : entries_)
    if (CRYPTO_memcmp(entry.digest.data(), given.data(), given.size()) == 0) match = &entry;
  if (!match) return std::nullopt;
  return match->name;
}

}  // namespace intentq::http
