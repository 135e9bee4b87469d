// CURVE key pairs (libzmq's CurveZMQ) as text files in the format of CZMQ's zcert, so keys made
// by `intentq keygen`, czmq's `zcert_save` or pyzmq's `zmq.auth.create_certificates` are
// interchangeable:
//
//   NAME.key          public certificate: `curve` section with `public-key = "<Z85>"`
//   NAME.key_secret   secret certificate: public-key and secret-key; mode 0600
//
// Keys are 40-character Z85 strings (32 bytes of key material).
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace intentq::curve {

struct KeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters
};

// A fresh key pair from zmq_curve_keypair. Throws std::runtime_error when libzmq was built
// without CURVE.
KeyPair generate();

// True for a 40-character string of the Z85 alphabet that decodes to 32 bytes.
bool is_z85_key(std::string_view text);

// The public key that belongs to a Z85 secret key (zmq_curve_public). Throws on a bad key.
std::string public_of(const std::string& secret_key);

// Writes DIR/NAME.key (0644) and DIR/NAME.key_secret (0600, created with that mode so it is never
// readable by others, even briefly). Creates DIR (0700) when missing. Refuses to overwrite an
// existing file and refuses names with '/' or starting with '.'. Throws std::runtime_error.
void save(const std::filesystem::path& dir, const std::string& name, const KeyPair& keys);

// The public key of a certificate file (NAME.key or NAME.key_secret). Throws std::runtime_error
// naming the file on a missing file, a file over 64 KiB, or no valid public-key line.
std::string load_public(const std::filesystem::path& file);

// The key pair of a secret certificate. Refuses, in this order: a public certificate (NAME.key
// passed for NAME.key_secret), a file without a valid secret key, a file readable or writable by
// group or others (as ssh does with private keys), and one whose public key does not match its
// secret key.
KeyPair load_secret(const std::filesystem::path& file);

// A server's public key given on a command line: either the 40-character Z85 key itself or the
// path of a certificate file holding it.
std::string public_from_text_or_file(const std::string& text_or_path);

// The public keys of every NAME.key file directly in `dir` (not recursive; other files, e.g.
// secret certificates, are ignored). Files that cannot be read or parsed are skipped and named
// in `problems`. A missing directory gives an empty set and a problem.
std::set<std::string> load_public_dir(const std::filesystem::path& dir,
                                      std::vector<std::string>* problems = nullptr);

}  // namespace intentq::curve
