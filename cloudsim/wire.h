// Server side of AWS's wire protocols: reading Query form bodies, writing
// Query/XML results and the error shapes each protocol's clients parse.
//
// Value -> XML follows the Query protocol: a map becomes child elements, a
// list becomes <member> elements (non-flattened lists, as CloudFormation and
// STS use), a bool "true"/"false". Map keys come out sorted; clients do not
// depend on element order.
//
// Thread-safety: pure functions.
#ifndef FLIGHTPLAN_CLOUDSIM_WIRE_H_
#define FLIGHTPLAN_CLOUDSIM_WIRE_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/value.h"
#include "cloudsim/sim.h"

namespace flightplan::cloudsim {

using FormPairs = std::vector<std::pair<std::string, std::string>>;

// application/x-www-form-urlencoded ('+' is a space).
FormPairs ParseForm(std::string_view body);

// The Query protocol's parameters of a request: the form body of a POST or
// the query string of a GET, unflattened (see UnflattenQuery).
Value QueryParams(const Request& request);
// Its "Action" parameter; empty when absent.
std::string QueryAction(const Request& request);

// Rebuilds the structure a Query client flattened:
// "Parameters.member.1.ParameterKey=k" -> {"Parameters": [{"ParameterKey": "k"}]},
// "Tags.member.1.Key", "Attributes.entry.1.key/value" -> a map. An empty
// value for a bare name ("Capabilities=") is an empty list. Values stay strings.
Value UnflattenQuery(const FormPairs& pairs);

std::string XmlEscape(std::string_view text);
// Appends <name>value</name> for a Value as described above.
void AppendXml(std::string& out, std::string_view name, const Value& value);

// <{action}Response xmlns=...><{action}Result>...</{action}Result>
// <ResponseMetadata><RequestId>..</RequestId></ResponseMetadata></...>
Response QueryXmlResponse(std::string_view action, std::string_view xmlns, const Value& result,
                          std::string_view request_id);
Response QueryXmlError(const SimError& error, std::string_view xmlns, std::string_view request_id);

// JSON 1.0/1.1 (DynamoDB, Cognito): `type_prefix` is the namespace put before
// '#' in __type ("com.amazonaws.dynamodb.v20120810"); empty for none.
Response JsonResponse(const Value& result, std::string_view content_type,
                      std::string_view request_id);
Response JsonError(const SimError& error, std::string_view type_prefix,
                   std::string_view content_type, std::string_view request_id);
// The operation X-Amz-Target names ("<target_prefix><Operation>") when
// `operations` lists it; "" otherwise.
std::string JsonTargetOperation(const Request& request, std::string_view target_prefix,
                                std::span<const std::string_view> operations);
// A JSON request's parameters: its body, an empty map for an empty body; a
// 400 SerializationException with `not_an_object` when the body is not a
// JSON object.
SimResult<Value> JsonRequestParams(const Request& request, std::string_view not_an_object);

// Offset paging with opaque "page-<offset>" tokens (Amplify, Cognito).
// The offset `token` names; nullopt when it is not such a token.
std::optional<size_t> PageTokenOffset(const std::string& token);
// Up to `limit` of `items` from offset `start`, listed under `list_key`, with
// the next page's token under `next_key` while items remain.
Value PageOfItems(std::vector<Value> items, size_t start, size_t limit, std::string_view list_key,
                  std::string_view next_key);

// REST-JSON (Amplify): x-amzn-ErrorType header and {"message": ...}.
Response RestJsonResponse(const Value& result, std::string_view request_id, int status = 200);
Response RestJsonError(const SimError& error, std::string_view request_id);

// REST-XML (S3): <Error><Code/><Message/><Resource/><RequestId/></Error>.
Response RestXmlError(const SimError& error, std::string_view resource,
                      std::string_view request_id);

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_WIRE_H_
