#include "store/sha256.h"

#include <openssl/evp.h>

namespace flightplan {
namespace {

constexpr char kHex[] = "0123456789abcdef";

const EVP_MD* Sha256Algorithm() {
  // Fetched once: in OpenSSL 3 every implicit fetch costs a lookup.
  static EVP_MD* algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return algorithm != nullptr ? algorithm : EVP_sha256();
}

}  // namespace

struct Sha256Hasher::Context {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
};

Sha256Hasher::Sha256Hasher() : ctx_(new Context) {}

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
  for (unsigned int i = 0; i < 32; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
}

std::string Sha256Hex(std::string_view data) {
  Sha256Hasher hasher;
  hasher.Begin();
  hasher.Update(data);
  char hex[64];
  hasher.FinishHex(hex);
  return std::string(hex, 64);
}

}  // namespace flightplan
