#include "steps/aws/client_pool.h"

#include <fmt/format.h>

#include "steps/aws/credentials_chain.h"

namespace flightplan::aws {

struct ClientPool::Entry {
  std::unique_ptr<CredentialsChain> credentials;
  std::unique_ptr<AwsClient> client;
};

ClientPool::ClientPool(HttpTransport& transport, Clock& clock, ProcessRunner& processes,
                       EnvLookup env)
    : transport_(transport), clock_(clock), processes_(processes), env_(std::move(env)) {}

ClientPool::~ClientPool() = default;

Result<AwsClient*> ClientPool::Get(const std::string& profile, const std::string& region) {
  std::lock_guard lock(mutex_);
  auto key = std::make_pair(profile, region);
  if (auto it = entries_.find(key); it != entries_.end()) return it->second->client.get();
  Result<AwsConfig> config = AwsConfig::Load(env_, profile);
  if (!config) return MakeError(config.error());
  AwsClientOptions options;
  options.endpoints = config->Endpoints();
  if (!region.empty()) options.endpoints.region = region;
  if (options.endpoints.region.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("no AWS region for profile '{}': pass --region, set AWS_REGION, "
                                 "or add `region = …` to the profile in {}",
                                 config->profile(), config->config_path()));
  }
  options.log = log_;
  auto entry = std::make_unique<Entry>();
  entry->credentials = std::make_unique<CredentialsChain>(*config, transport_, clock_, processes_);
  entry->client =
      std::make_unique<AwsClient>(transport_, *entry->credentials, clock_, std::move(options));
  AwsClient* client = entry->client.get();
  entries_.emplace(std::move(key), std::move(entry));
  return client;
}

}  // namespace flightplan::aws
