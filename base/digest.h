// Message digests as lowercase hex, through OpenSSL (linked privately by
// flightplan_base; no OpenSSL header leaks through this one).
//
// Sha256Hex, Sha1Hex and Md5Hex hash one whole message. Sha256Hasher keeps
// one digest context for many messages or for a message fed in pieces: the
// journal's audit chain hashes one short message per event, where fetching
// the algorithm and allocating a context each time would cost more than the
// hashing; tree snapshots hash files in 64 KiB pieces.
//
// None of these fail: OpenSSL's digests cannot fail on valid memory.
// Thread-safety: the functions are thread-safe; a Sha256Hasher is not (use one
// per thread).
#ifndef FLIGHTPLAN_BASE_DIGEST_H_
#define FLIGHTPLAN_BASE_DIGEST_H_

#include <string>
#include <string_view>

namespace flightplan {

// 64 lowercase hex characters: the SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// 40 lowercase hex characters: the SHA-1 of `data`. Only for names other
// tools derive with SHA-1 (the AWS SSO token cache); never for integrity.
std::string Sha1Hex(std::string_view data);

// 32 lowercase hex characters: the MD5 of `data` (S3's ETag of a simple
// object). Never for integrity.
std::string Md5Hex(std::string_view data);

class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  // Starts a new message: a new hasher has begun one already; Begin is
  // needed after each Finish to hash another (and drops anything updated).
  void Begin();
  void Update(std::string_view data);
  // Ends the message; writes 64 lowercase hex characters to `hex` (no
  // terminating NUL), allocating nothing.
  void FinishHex(char (&hex)[64]);
  // Ends the message; returns its 64 lowercase hex characters.
  std::string FinishHex();

 private:
  struct Context;
  Context* ctx_;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_BASE_DIGEST_H_
