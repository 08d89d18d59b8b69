#include "base/digest.h"

#include <openssl/evp.h>

namespace flightplan {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void ToHex(const unsigned char* digest, size_t size, char* out) {
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
}

std::string DigestHex(std::string_view data, const EVP_MD* algorithm) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, algorithm, nullptr);
  std::string hex(size_t{2} * size, '\0');
  ToHex(digest, size, hex.data());
  return hex;
}

const EVP_MD* Sha256Algorithm() {
  // Fetched once: in OpenSSL 3 every implicit fetch costs a lookup.
  static EVP_MD* algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return algorithm != nullptr ? algorithm : EVP_sha256();
}

}  // namespace

struct Sha256Hasher::Context {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
};

Sha256Hasher::Sha256Hasher() : ctx_(new Context) { Begin(); }

Sha256Hasher::~Sha256Hasher() {
  EVP_MD_CTX_free(ctx_->md);
  delete ctx_;
}

void Sha256Hasher::Begin() { EVP_DigestInit_ex(ctx_->md, Sha256Algorithm(), nullptr); }

void Sha256Hasher::Update(std::string_view data) {
  EVP_DigestUpdate(ctx_->md, data.data(), data.size());
}

void Sha256Hasher::FinishHex(char (&hex)[64]) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx_->md, digest, &length);
  ToHex(digest, 32, hex);
}

std::string Sha256Hasher::FinishHex() {
  char hex[64];
  FinishHex(hex);
  return std::string(hex, 64);
}

std::string Sha256Hex(std::string_view data) {
  Sha256Hasher hasher;
  hasher.Begin();
  hasher.Update(data);
  return hasher.FinishHex();
}

std::string Sha1Hex(std::string_view data) { return DigestHex(data, EVP_sha1()); }

std::string Md5Hex(std::string_view data) { return DigestHex(data, EVP_md5()); }

}  // namespace flightplan
