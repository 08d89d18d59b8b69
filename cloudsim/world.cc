#include "cloudsim/world.h"

#include <fmt/format.h>

namespace flightplan::cloudsim {

World::World(SimConfig config, Clock* clock)
    : config_(std::move(config)), clock_(clock), rng_(config_.seed) {
  Reset();
  // Table ARNs name the account; the DynamoDB service re-syncs on every call.
  dynamodb.SetAccount(config_.region, config_.account_id);
}

std::string World::RandomString(size_t length, std::string_view alphabet) {
  std::string out;
  out.reserve(length);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  for (size_t i = 0; i < length; ++i) out.push_back(alphabet[pick(rng_)]);
  return out;
}

std::string World::NewUuid() {
  constexpr std::string_view kHex = "0123456789abcdef";
  return RandomString(8, kHex) + "-" + RandomString(4, kHex) + "-" + RandomString(4, kHex) + "-" +
         RandomString(4, kHex) + "-" + RandomString(12, kHex);
}

std::string World::Arn(std::string_view service, std::string_view resource, bool regional) const {
  return fmt::format("arn:aws:{}:{}:{}:{}", service, regional ? config_.region : "",
                     config_.account_id, resource);
}

const Identity* World::FindIdentity(std::string_view access_key) const {
  auto it = identities_.find(access_key);
  return it == identities_.end() ? nullptr : &it->second;
}

const Identity& World::AddTemporaryIdentity(std::string arn, std::string user_id,
                                            Duration lifetime) {
  Identity identity;
  identity.access_key = "ASIA" + RandomString(16);
  identity.secret_key =
      RandomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
  identity.session_token =
      "FwoGZXIvYXdzE" +
      RandomString(120, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
  identity.expires = Now() + lifetime;
  identity.arn = std::move(arn);
  identity.user_id = std::move(user_id);
  auto [it, inserted] = identities_.emplace(identity.access_key, identity);
  (void)inserted;
  return it->second;
}

namespace {

Value IdentityToValue(const Identity& identity) {
  ValueMap out;
  out["AccessKeyId"] = identity.access_key;
  out["SecretAccessKey"] = identity.secret_key;
  out["SessionToken"] = identity.session_token;
  if (identity.expires) out["ExpiresMs"] = identity.expires->unix_ms;
  out["Arn"] = identity.arn;
  out["UserId"] = identity.user_id;
  return out;
}

std::string StringField(const Value& map, std::string_view key) {
  const Value* v = map.Find(key);
  return v && v->is_string() ? v->as_string() : std::string();
}

}  // namespace

Value World::Dump() const {
  ValueMap out;
  out["format"] = "flightplan-cloudsim/1";
  ValueMap config;
  config["AccountId"] = config_.account_id;
  config["Region"] = config_.region;
  out["config"] = std::move(config);
  ValueList identities;
  for (const auto& [key, identity] : identities_) {
    if (identity.expires) identities.push_back(IdentityToValue(identity));
  }
  out["identities"] = std::move(identities);
  out["s3"] = s3.Dump();
  out["dynamodb"] = dynamodb.Dump();
  out["cognito-idp"] = cognito.Dump();
  out["amplify"] = amplify.Dump();
  out["cloudformation"] = cloudformation.Dump();
  out["cloudformation-refactors"] = stack_refactors.Dump();
  return out;
}

Result<void> World::Load(const Value& state) {
  const Value* format = state.Find("format");
  if (!format || !format->is_string() || format->as_string() != "flightplan-cloudsim/1") {
    return MakeError(ErrorCode::kCorruption,
                     "not a flightplan-cloudsim state (format "
                     "'flightplan-cloudsim/1' expected)");
  }
  Reset();
  if (const Value* ids = state.Find("identities"); ids && ids->is_list()) {
    for (const Value& v : ids->as_list()) {
      Identity identity;
      identity.access_key = StringField(v, "AccessKeyId");
      identity.secret_key = StringField(v, "SecretAccessKey");
      identity.session_token = StringField(v, "SessionToken");
      if (const Value* e = v.Find("ExpiresMs"); e && e->is_int()) {
        identity.expires = Timestamp{e->as_int()};
      }
      identity.arn = StringField(v, "Arn");
      identity.user_id = StringField(v, "UserId");
      if (!identity.access_key.empty()) {
        identities_[identity.access_key] = identity;
      }
    }
  }
  static const Value kEmpty = Value(ValueMap{});
  auto part = [&](std::string_view key) -> const Value& {
    const Value* v = state.Find(key);
    return v ? *v : kEmpty;
  };
  TRY(s3.Load(part("s3")));
  TRY(dynamodb.Load(part("dynamodb")));
  TRY(cognito.Load(part("cognito-idp")));
  TRY(amplify.Load(part("amplify")));
  TRY(cloudformation.Load(part("cloudformation")));
  TRY(stack_refactors.Load(part("cloudformation-refactors")));
  return {};
}

void World::Reset() {
  s3.Reset();
  dynamodb.Reset();
  cognito.Reset();
  amplify.Reset();
  cloudformation.Reset();
  stack_refactors.Reset();
  identities_.clear();
  Identity root;
  root.access_key = config_.access_key;
  root.secret_key = config_.secret_key;
  root.arn = fmt::format("arn:aws:iam::{}:user/{}", config_.account_id, config_.user_name);
  root.user_id = "AIDA" + std::string("FLIGHTPLANSIMUSER");
  identities_[root.access_key] = root;
  rng_.seed(config_.seed);
}

}  // namespace flightplan::cloudsim
