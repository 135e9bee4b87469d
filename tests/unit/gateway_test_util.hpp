// Helpers for the codec tests: the docs write payloads with '|' for each NUL terminator.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>

#include "gateway/messages.hpp"

namespace intentq::gw::test {

// "15|1|DU1|" -> "15\0" "1\0" "DU1\0"
inline std::string nul(std::string_view pipes) {
  std::string s(pipes);
  for (char& c : s)
    if (c == '|') c = '\0';
  return s;
}

// The reverse, for readable assertion messages.
inline std::string pipes(std::string_view payload) {
  std::string s(payload);
  for (char& c : s)
    if (c == '\0') c = '|';
  return s;
}

inline size_t field_count(std::string_view payload) {
  size_t n = 0;
  for (char c : payload) n += c == '\0';
  return n;
}

// Decodes a server payload and insists on the expected alternative.
template <class T>
T server_as(int sv, std::string_view payload) {
  ServerMessage m = decode_server_message(sv, payload);
  const T* p = std::get_if<T>(&m);
  if (p == nullptr) {
    ADD_FAILURE() << "decoded to alternative #" << m.index() << ": " << pipes(payload);
    return T{};
  }
  return *p;
}

template <class T>
T client_as(int sv, std::string_view payload) {
  ClientMessage m = decode_client_message(sv, payload);
  const T* p = std::get_if<T>(&m);
  if (p == nullptr) {
    ADD_FAILURE() << "decoded to alternative #" << m.index() << ": " << pipes(payload);
    return T{};
  }
  return *p;
}

}  // namespace intentq::gw::test
