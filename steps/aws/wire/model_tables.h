// Facts from the botocore service models that a parameter map alone cannot
// tell: how REST operations bind members to the URI, query string, headers
// and payload, and how operations paginate. Generated into model_tables.cc
// by steps/aws/tools/gen_model_tables.py; only the operations flightplan uses
// are listed.
//
// Thread-safety: immutable tables, safe from any thread.
#ifndef FLIGHTPLAN_STEPS_AWS_WIRE_MODEL_TABLES_H_
#define FLIGHTPLAN_STEPS_AWS_WIRE_MODEL_TABLES_H_

#include <string_view>
#include <utility>
#include <vector>

namespace flightplan::aws {

// (member name in the parameters, name on the wire)
using WireBinding = std::pair<std::string_view, std::string_view>;

struct RestOperation {
  std::string_view service;
  std::string_view name;
  std::string_view method;
  std::string_view uri;  // "/apps/{appId}/branches/{branchName}", "/{Bucket}/{Key+}"
  std::vector<WireBinding> query;
  std::vector<WireBinding> headers;
  std::string_view payload;       // member sent as the raw body ("Body"), or empty
  bool has_body_members = false;  // REST-JSON: send a JSON body ("{}" at least)
  std::vector<WireBinding> output_headers;
  std::string_view output_payload;                // member that receives the raw body
  std::vector<std::string_view> flattened_lists;  // REST-XML output lists
};

struct Paginator {
  std::string_view service;
  std::string_view operation;
  std::string_view input_token;
  std::string_view output_token;
  std::string_view limit_key;  // may be empty
  std::vector<std::string_view> result_keys;
};

const std::vector<RestOperation>& RestOperations();
const std::vector<Paginator>& Paginators();

// nullptr when the operation is not in the table.
const RestOperation* FindRestOperation(std::string_view service, std::string_view operation);
const Paginator* FindPaginator(std::string_view service, std::string_view operation);

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_WIRE_MODEL_TABLES_H_
