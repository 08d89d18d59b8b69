#include "steps/aws/wire/service.h"

#include <algorithm>
#include <iterator>

#include "steps/aws/wire/model_tables.h"

namespace flightplan::aws {
namespace {

constexpr ServiceInfo kServices[] = {
    {"cloudformation", "cloudformation", "cloudformation", Protocol::kQuery, "2010-05-15", "", "",
     false, "CLOUDFORMATION"},
    {"sts", "sts", "sts", Protocol::kQuery, "2011-06-15", "", "", false, "STS"},
    {"iam", "iam", "iam", Protocol::kQuery, "2010-05-08", "", "", true, "IAM"},
    {"amplify", "amplify", "amplify", Protocol::kRestJson, "2017-07-25", "", "1.1", false,
     "AMPLIFY"},
    {"dynamodb", "dynamodb", "dynamodb", Protocol::kJson, "2012-08-10", "DynamoDB_20120810", "1.0",
     false, "DYNAMODB"},
    {"cognito-idp", "cognito-idp", "cognito-idp", Protocol::kJson, "2016-04-18",
     "AWSCognitoIdentityProviderService", "1.1", false, "COGNITO_IDENTITY_PROVIDER"},
    {"cognito-identity", "cognito-identity", "cognito-identity", Protocol::kJson, "2014-06-30",
     "AWSCognitoIdentityService", "1.1", false, "COGNITO_IDENTITY"},
    {"s3", "s3", "s3", Protocol::kRestXml, "2006-03-01", "", "", false, "S3"},
    {"sso", "awsssoportal", "portal.sso", Protocol::kRestJson, "2019-06-10", "", "1.1", false,
     "SSO"},
};

}  // namespace

const ServiceInfo* FindService(std::string_view id) {
  auto it = std::find_if(std::begin(kServices), std::end(kServices),
                         [&](const ServiceInfo& s) { return s.id == id; });
  return it == std::end(kServices) ? nullptr : &*it;
}

const RestOperation* FindRestOperation(std::string_view service, std::string_view operation) {
  for (const RestOperation& op : RestOperations()) {
    if (op.service == service && op.name == operation) return &op;
  }
  return nullptr;
}

const Paginator* FindPaginator(std::string_view service, std::string_view operation) {
  for (const Paginator& p : Paginators()) {
    if (p.service == service && p.operation == operation) return &p;
  }
  return nullptr;
}

}  // namespace flightplan::aws
