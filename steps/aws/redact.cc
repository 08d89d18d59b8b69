#include "steps/aws/redact.h"

#include <cctype>
#include <vector>

namespace flightplan::aws {
namespace {

bool StartsWithIgnoreCase(std::string_view text, size_t pos, std::string_view prefix) {
  if (text.size() - pos < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[pos + i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

// After each marker, the value runs to the first terminator.
struct Marker {
  std::string_view prefix;
  std::string_view terminators;
};

constexpr Marker kMarkers[] = {
    {"Signature=", "&,; \r\n\"'<"},
    {"X-Amz-Signature=", "&,; \r\n\"'<"},
    {"X-Amz-Security-Token=", "& \r\n\"'<"},
    {"X-Amz-Security-Token:", "\r\n"},
    {"x-amz-security-token:", "\r\n"},
    {"Authorization:", "\r\n"},
    {"x-amz-sso_bearer_token:", "\r\n"},
    {"aws_secret_access_key", "\r\n"},
    {"aws_session_token", "\r\n"},
    {"\"SecretAccessKey\":", ",}\r\n"},
    {"\"SessionToken\":", ",}\r\n"},
    {"\"secretAccessKey\":", ",}\r\n"},
    {"\"sessionToken\":", ",}\r\n"},
    {"\"accessToken\":", ",}\r\n"},
    {"<SecretAccessKey>", "<"},
    {"<SessionToken>", "<"},
};

std::string RedactMarkers(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const Marker* hit = nullptr;
    for (const Marker& marker : kMarkers) {
      if (StartsWithIgnoreCase(text, i, marker.prefix)) {
        hit = &marker;
        break;
      }
    }
    if (hit == nullptr) {
      out.push_back(text[i++]);
      continue;
    }
    out.append(text.substr(i, hit->prefix.size()));
    i += hit->prefix.size();
    // Keep the separator and leading blanks so the line still reads well.
    while (i < text.size() && (text[i] == ' ' || text[i] == '=')) {
      out.push_back(text[i++]);
    }
    size_t end = text.find_first_of(hit->terminators, i);
    if (end == std::string_view::npos) end = text.size();
    if (end > i) out.append(kRedacted);
    i = end;
  }
  return out;
}

void ReplaceAll(std::string& text, std::string_view secret) {
  if (secret.size() < 4) return;  // too short to be a real secret
  size_t pos = 0;
  while ((pos = text.find(secret, pos)) != std::string::npos) {
    text.replace(pos, secret.size(), kRedacted);
    pos += kRedacted.size();
  }
}

}  // namespace

std::string Redact(std::string_view text) { return RedactMarkers(text); }

std::string Redact(std::string_view text, const AwsCredentials& credentials) {
  std::string out(text);
  ReplaceAll(out, credentials.secret_access_key);
  ReplaceAll(out, credentials.session_token);
  return RedactMarkers(out);
}

std::string DescribeRequestForLog(const HttpRequest& request, const AwsCredentials& credentials) {
  std::string out = request.method + " " + request.url;
  for (const auto& [name, value] : request.headers) {
    out += "\n" + name + ": " + value;
  }
  return Redact(out, credentials);
}

}  // namespace flightplan::aws
