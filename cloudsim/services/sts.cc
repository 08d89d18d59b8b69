// STS: GetCallerIdentity and AssumeRole (Query protocol). AssumeRole issues
// temporary credentials the simulator then accepts until they expire.
#include <fmt/format.h>

#include <regex>

#include "cloudsim/service.h"
#include "cloudsim/wire.h"

namespace flightplan::cloudsim {
namespace {

constexpr std::string_view kXmlns = "https://sts.amazonaws.com/doc/2011-06-15/";

std::string Str(const Value& params, std::string_view key) {
  const Value* v = params.Find(key);
  return v && v->is_string() ? v->as_string() : std::string();
}

class StsService final : public Service {
 public:
  std::string_view signing_name() const override { return "sts"; }
  aws::Protocol protocol() const override { return aws::Protocol::kQuery; }

  std::string OperationOf(const Request& request) const override {
    std::string action = QueryAction(request);
    if (action == "GetCallerIdentity" || action == "AssumeRole") return action;
    return {};
  }

  Response Error(const SimError& error, const Request& request,
                 std::string_view request_id) const override {
    (void)request;
    return QueryXmlError(error, kXmlns, request_id);
  }

  Response Handle(World& world, const Request& request, std::string_view operation) override {
    const std::string& request_id = request.request_id;
    Value params = QueryParams(request);
    if (operation == "GetCallerIdentity") {
      const Identity* identity = world.FindIdentity(request.access_key);
      ValueMap result;
      result["Account"] = world.config().account_id;
      result["Arn"] = identity ? identity->arn : request.caller_arn;
      result["UserId"] = identity ? identity->user_id : std::string();
      return QueryXmlResponse(operation, kXmlns, Value(std::move(result)), request_id);
    }
    return AssumeRole(world, params, request_id);
  }

 private:
  Response AssumeRole(World& world, const Value& params, const std::string& request_id) {
    std::string role_arn = Str(params, "RoleArn");
    std::string session = Str(params, "RoleSessionName");
    static const std::regex kRoleArn(
        R"(arn:aws:iam::(\d{12}):role/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64}))");
    static const std::regex kSession(R"([\w+=,.@-]{2,64})");
    std::smatch match;
    if (!std::regex_match(role_arn, match, kRoleArn)) {
      return QueryXmlError(Validation(fmt::format("1 validation error detected: Value '{}' at "
                                                  "'roleArn' failed to satisfy constraint: "
                                                  "must be an IAM role ARN",
                                                  role_arn)),
                           kXmlns, request_id);
    }
    if (!std::regex_match(session, kSession)) {
      return QueryXmlError(Validation("1 validation error detected: Value at 'roleSessionName' "
                                      "failed to satisfy constraint: Member must satisfy "
                                      "regular expression pattern: [\\w+=,.@-]{2,64}"),
                           kXmlns, request_id);
    }
    if (match[1].str() != world.config().account_id) {
      return QueryXmlError({403, "AccessDenied",
                            fmt::format("User is not authorized to perform: sts:AssumeRole on "
                                        "resource: {}",
                                        role_arn)},
                           kXmlns, request_id);
    }
    int64_t duration = 3600;
    if (std::string d = Str(params, "DurationSeconds"); !d.empty()) {
      duration = std::atoll(d.c_str());
      if (duration < 900 || duration > 43200) {
        return QueryXmlError(Validation("1 validation error detected: Value at "
                                        "'durationSeconds' failed to satisfy constraint: "
                                        "Member must have value between 900 and 43200"),
                             kXmlns, request_id);
      }
    }
    std::string role_name = match[3].str();
    std::string role_id = "AROA" + world.RandomString(17);
    std::string assumed_arn = fmt::format("arn:aws:sts::{}:assumed-role/{}/{}",
                                          world.config().account_id, role_name, session);
    const Identity& identity = world.AddTemporaryIdentity(assumed_arn, role_id + ":" + session,
                                                          std::chrono::seconds(duration));
    ValueMap credentials;
    credentials["AccessKeyId"] = identity.access_key;
    credentials["SecretAccessKey"] = identity.secret_key;
    credentials["SessionToken"] = identity.session_token;
    credentials["Expiration"] = IsoTime(*identity.expires);
    ValueMap user;
    user["Arn"] = assumed_arn;
    user["AssumedRoleId"] = role_id + ":" + session;
    ValueMap result;
    result["Credentials"] = std::move(credentials);
    result["AssumedRoleUser"] = std::move(user);
    return QueryXmlResponse("AssumeRole", kXmlns, Value(std::move(result)), request_id);
  }
};

}  // namespace

std::unique_ptr<Service> MakeStsService() { return std::make_unique<StsService>(); }

}  // namespace flightplan::cloudsim
