// flightplan doctor — checks the AWS setup: profile, credential source (never
// a secret), region, endpoints and the caller identity; with --state
// s3://BUCKET/PREFIX, the shared state's bucket too. docs/aws-client.md.
#include "steps/aws/doctor.h"

#include <memory>
#include <string>

#include "base/clock.h"
#include "cli/command.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/aws_config.h"
#include "steps/aws/credentials_chain.h"
#include "steps/aws/s3_object_store.h"
#include "steps/net/curl_transport.h"
#include "steps/sys/posix_process_runner.h"

namespace flightplan::cli {
namespace {

struct DoctorArgs {
  std::string profile;
  std::string region;
};

int RunDoctorCommand(const GlobalOptions& global, const DoctorArgs& args) {
  Context ctx(global);
  Result<aws::AwsConfig> config = aws::AwsConfig::Load(aws::SystemEnvironment(), args.profile);
  if (!config) return ReportError(ctx.console(), config.error());
  CurlTransport transport(CurlTransportOptions::FromEnvironment());
  SystemClock clock;
  PosixProcessRunner processes;
  aws::CredentialsChain credentials(*config, transport, clock, processes);
  aws::AwsClientOptions options;
  options.endpoints = config->Endpoints();
  if (!args.region.empty()) options.endpoints.region = args.region;
  aws::AwsClient client(transport, credentials, clock, options);
  aws::DoctorReport report = aws::RunDoctor(*config, credentials, client);
  if (ctx.state_is_shared()) {
    Result<aws::S3Location> location = aws::ParseS3Location(ctx.state_path());
    if (!location) return ReportError(ctx.console(), location.error());
    aws::CheckStateBucket(client, location->bucket, location->prefix, report);
  }
  ctx.console().Write(report.ToText());
  return report.ok() ? kExitOk : kExitStepFailed;
}

CommandAction Setup(CLI::App& sub, const GlobalOptions& global) {
  auto args = std::make_shared<DoctorArgs>();
  AddAwsOptions(sub, args->region, args->profile);
  sub.footer(
      "Also asks IAM (iam:SimulatePrincipalPolicy, identity policies only) whether the caller "
      "may perform\nthe migration's key actions; when it cannot tell, it says so without "
      "failing. Never prints a\nsecret. Exit 0 when every check passes, 1 otherwise (each "
      "failed check marked `!` with why).\ndocs/aws-client.md, docs/permissions.md.");
  return [&global, args] { return RunDoctorCommand(global, *args); };
}

}  // namespace

extern const Command kDoctorCommand{
    "doctor",
    "Check the AWS setup: profile, credentials, region, endpoints, caller, permissions; with "
    "--state "
    "s3://BUCKET/PREFIX, the shared state's bucket (reachable, versioning, encryption, access)",
    Setup};

}  // namespace flightplan::cli
