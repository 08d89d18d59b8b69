// SHA-256 through OpenSSL.
//
// Sha256Hasher keeps one digest context for many messages (the audit chain
// hashes one short message per event, where fetching the algorithm and
// allocating a context each time would cost more than the hashing).
// Not thread-safe; use one per thread.
#ifndef FLIGHTPLAN_STORE_SHA256_H_
#define FLIGHTPLAN_STORE_SHA256_H_

#include <array>
#include <string>
#include <string_view>

namespace flightplan {

// Lowercase hex of the SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Begin();
  void Update(std::string_view data);
  // Ends the message; writes 64 lowercase hex characters to `hex`.
  void FinishHex(char (&hex)[64]);

 private:
  struct Context;
  Context* ctx_;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_STORE_SHA256_H_
