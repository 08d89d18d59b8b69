#include "base/base64.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <climits>

namespace flightplan {
namespace {

bool InAlphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// The '=' at the end of `text` (at most two).
size_t Padding(std::string_view text) {
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  return padding;
}

// Where `text` stops being canonical base64, or npos when it is.
size_t FirstInvalid(std::string_view text) {
  size_t padding = Padding(text);
  for (size_t i = 0; i < text.size() - padding; ++i) {
    if (!InAlphabet(text[i])) return i;
  }
  if (text.size() % 4 != 0) return text.size();
  return std::string_view::npos;
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  size_t written = 0;
  // EVP_EncodeBlock takes an int length: whole 3-byte groups at a time.
  constexpr size_t kChunk = size_t{3} << 28;
  for (size_t at = 0; at < data.size(); at += kChunk) {
    std::string_view part = data.substr(at, kChunk);
    written += static_cast<size_t>(EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(out.data() + written),
        reinterpret_cast<const unsigned char*>(part.data()), static_cast<int>(part.size())));
  }
  out.resize(written);
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  size_t bad = FirstInvalid(text);
  if (bad != std::string_view::npos) {
    return MakeError(
        ErrorCode::kInvalidInput,
        bad == text.size()
            ? fmt::format("not base64: {} characters, not a multiple of 4", text.size())
            : fmt::format("not base64: character {} is not of the base64 alphabet", bad + 1));
  }
  if (text.size() > static_cast<size_t>(INT_MAX)) {
    return MakeError(ErrorCode::kInvalidInput, "base64 text too long to decode (over 2 GiB)");
  }
  std::string out(3 * (text.size() / 4), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return MakeError(ErrorCode::kInvalidInput, "not base64");
  // EVP_DecodeBlock decodes the padding as zero bytes; drop them.
  out.resize(static_cast<size_t>(n) - Padding(text));
  return out;
}

}  // namespace flightplan
