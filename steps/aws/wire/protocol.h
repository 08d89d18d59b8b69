// The four AWS wire protocols, generic over operations: parameters are a
// Value map named as in the service model ({"StackName": "x"}), results a
// Value tree named as in the model's output shape. Only REST operations need
// the generated binding table (model_tables.h).
//
// Response typing is light: XML leaves are strings ("true", "42",
// "2010-07-27T22:28:28Z"), an XML list of <member>s is a list, an empty
// element is "". Typed wrappers (cloudformation.h, ...) convert.
//
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_STEPS_AWS_WIRE_PROTOCOL_H_
#define FLIGHTPLAN_STEPS_AWS_WIRE_PROTOCOL_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/http_transport.h"
#include "base/value.h"
#include "steps/aws/wire/aws_error.h"
#include "steps/aws/wire/service.h"

namespace flightplan::aws {

enum class S3Addressing { kVirtualHosted, kPathStyle };

// Builds the unsigned request. endpoint is "https://host[:port]" (no path
// for AWS; a custom endpoint may carry a base path). Errors: kInvalidInput for
// a missing URI parameter or an operation with no REST binding.
[[nodiscard]] Result<HttpRequest> SerializeRequest(
    const ServiceInfo& service, std::string_view operation, const Value& params,
    std::string_view endpoint, S3Addressing s3_addressing = S3Addressing::kPathStyle);

// Parses a 2xx response into the operation's output. Errors: kCorruption for
// a body that is not the XML/JSON the protocol promises.
[[nodiscard]] Result<Value> ParseResponse(const ServiceInfo& service, std::string_view operation,
                                          const HttpResponse& response);

// Parses a non-2xx response into an AwsError (classified; message as sent).
AwsError ParseErrorResponse(const ServiceInfo& service, std::string_view operation,
                            const HttpResponse& response);

// Query protocol flattening: {"Tags": [{"Key": "a"}]} ->
// ("Tags.member.1.Key", "a"); an empty list is ("Tags", ""). Nested maps are
// structures ("A.B"); the operations flightplan uses have no map-shaped
// Query inputs.
std::vector<std::pair<std::string, std::string>> FlattenQueryParams(const Value& params);
// application/x-www-form-urlencoded as the SDKs write it (space as '+').
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& pairs);

// Case-insensitive header lookup; empty when absent.
std::string_view FindHeader(const HttpHeaders& headers, std::string_view name);

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_WIRE_PROTOCOL_H_
