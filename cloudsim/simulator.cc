#include "cloudsim/simulator.h"

#include <fmt/format.h>
#include <strings.h>

#include <chrono>
#include <thread>

#include "base/file_io.h"
#include "cloudsim/auth.h"
#include "cloudsim/seed.h"
#include "cloudsim/wire.h"
#include "steps/aws/wire/protocol.h"

namespace flightplan::cloudsim {

namespace {

constexpr size_t kMaxLogEntries = 200000;

Response ControlJson(const Value& value, int status = 200) {
  Response response;
  response.status = status;
  response.SetHeader("Content-Type", "application/json");
  response.body = value.ToJson();
  return response;
}

Response ControlError(int status, std::string message) {
  ValueMap body;
  body["error"] = std::move(message);
  return ControlJson(Value(std::move(body)), status);
}

Result<Value> ParseJsonBody(const Request& request) {
  if (request.body.empty()) return Value(ValueMap{});
  auto value = Value::FromJson(request.body);
  if (!value) {
    return MakeError(ErrorCode::kInvalidInput,
                     "the request body is not JSON: " + value.error().message());
  }
  return value;
}

// An error answered when the request cannot even be routed to a service.
Response Unroutable(std::string message) {
  SimError error{400, "UnknownService", std::move(message)};
  return RestJsonError(error, "");
}

Value GenericLogParams(const Request& request) {
  static constexpr std::string_view kKeys[] = {
      "StackName",          "ChangeSetName",      "StackRefactorId", "LogicalResourceId",
      "PhysicalResourceId", "ChangeSetType",      "TableName",       "BackupArn",
      "UserPoolId",         "ClientId",           "Username",        "RoleArn",
      "RoleSessionName",    "ExportArn",          "TargetTableName", "IndexName",
      "TemplateURL",        "BillingModeOverride"};
  Value params;
  std::string_view content_type = request.Header("Content-Type");
  if (content_type.find("x-www-form-urlencoded") != std::string_view::npos) {
    params = UnflattenQuery(ParseForm(request.body));
  }
  const Value& fields =
      content_type.find("json") != std::string_view::npos ? request.JsonBody() : params;
  ValueMap out;
  if (fields.is_map()) {
    for (std::string_view key : kKeys) {
      if (const Value* v = fields.Find(key); v && v->is_string()) {
        out[std::string(key)] = *v;
      }
    }
  }
  if (out.empty() && !request.path.empty() && request.path != "/") {
    out["Path"] = request.path;
  }
  return out;
}

}  // namespace

const Value& Request::JsonBody() const {
  if (!json_body) {
    auto parsed = body.empty() ? Result<Value>(Value()) : Value::FromJson(body);
    json_body = parsed ? std::move(*parsed) : Value();
  }
  return *json_body;
}

std::string_view Request::Header(std::string_view name) const {
  return aws::FindHeader(headers, name);
}

std::string_view Request::QueryParam(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return {};
}

bool Request::HasQueryParam(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return true;
  }
  return false;
}

void Response::SetHeader(std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (strcasecmp(n.c_str(), name.c_str()) == 0) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

SimError Service::ThrottlingError(std::string_view operation) const {
  (void)operation;
  return {400, "Throttling", "Rate exceeded"};
}

Value Service::LogParams(const Request& request, std::string_view operation) const {
  (void)operation;
  return GenericLogParams(request);
}

bool Service::IsReadOnly(std::string_view operation) const {
  for (std::string_view prefix :
       {"Describe", "Get", "List", "Head", "Scan", "Query", "Validate", "Estimate", "BatchGet"}) {
    if (operation.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

Result<Value> Service::Mutate(World& world, const Value& command) {
  (void)world;
  (void)command;
  return MakeError(ErrorCode::kInvalidInput,
                   fmt::format("service '{}' has no out-of-band changes", signing_name()));
}

tl::unexpected<Error> MutateError(const SimError& error) {
  return MakeError(ErrorCode::kInvalidInput, error.code + ": " + error.message);
}

Value MutateOk() {
  Value ok(ValueMap{});
  ok.Set("ok", true);
  return ok;
}

std::vector<std::unique_ptr<Service>> MakeServices() {
  std::vector<std::unique_ptr<Service>> services;
  services.push_back(MakeStsService());
  services.push_back(MakeS3Service());
  services.push_back(MakeDynamoDbService());
  services.push_back(MakeCognitoService());
  services.push_back(MakeCognitoIdentityService());
  services.push_back(MakeAmplifyService());
  services.push_back(MakeCloudFormationService());
  return services;
}

Value LogEntry::ToValue() const {
  ValueMap out;
  out["seq"] = seq;
  out["time"] = IsoTime(time);
  out["service"] = service;
  out["operation"] = operation;
  out["params"] = params.is_null() ? Value(ValueMap{}) : params;
  out["status"] = status;
  if (!error_code.empty()) out["error"] = error_code;
  if (!caller.empty()) out["caller"] = caller;
  out["duration_us"] = duration_us;
  return out;
}

Simulator::Simulator(SimConfig config, Clock* clock, std::optional<std::filesystem::path> state_dir)
    : world_(std::move(config), clock),
      services_(MakeServices()),
      state_dir_(std::move(state_dir)) {}

Result<void> Simulator::LoadState() {
  if (!state_dir_) return {};
  std::error_code ec;
  std::filesystem::create_directories(*state_dir_, ec);
  if (ec) {
    return MakeError(ErrorCode::kStateFile, fmt::format("cannot create state directory {}: {}",
                                                        state_dir_->string(), ec.message()));
  }
  std::filesystem::path file = *state_dir_ / "state.json";
  if (!std::filesystem::exists(file)) return {};
  Result<std::string> text = ReadFile(file);
  if (!text) {
    return MakeError(ErrorCode::kStateFile, fmt::format("cannot read {}", file.string()));
  }
  auto state = Value::FromJson(*text);
  if (!state) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("{} is not valid JSON ({}); move it aside to "
                                 "start from an empty account",
                                 file.string(), state.error().message()));
  }
  std::lock_guard lock(world_.mutex);
  auto loaded = world_.Load(*state);
  if (!loaded) {
    return MakeError(ErrorCode::kCorruption,
                     fmt::format("{}: {}", file.string(), loaded.error().message()));
  }
  return {};
}

Result<void> Simulator::Persist() {
  if (!state_dir_) return {};
  Result<void> written =
      WriteFileAtomically(*state_dir_ / "state.json", world_.Dump().ToJson(), 0600);
  if (!written) return MakeError(ErrorCode::kStateFile, written.error().message());
  return {};
}

Result<Value> Simulator::Seed(const std::filesystem::path& app_dir) {
  std::lock_guard lock(world_.mutex);
  TickAll();
  ASSIGN_OR_RETURN(Value summary, SeedFixture(world_, app_dir));
  TRY(Persist());
  return summary;
}

std::vector<LogEntry> Simulator::Log() const {
  std::lock_guard lock(const_cast<World&>(world_).mutex);
  return {log_.begin(), log_.end()};
}

Service* Simulator::FindService(std::string_view signing_name) const {
  for (const auto& service : services_) {
    if (service->signing_name() == signing_name) return service.get();
  }
  return nullptr;
}

void Simulator::TickAll() {
  for (const auto& service : services_) service->Tick(world_);
}

void Simulator::Record(LogEntry entry) {
  entry.seq = next_seq_++;
  log_.push_back(std::move(entry));
  if (log_.size() > kMaxLogEntries) log_.pop_front();
}

Response Simulator::Handle(const Request& request) {
  if (request.path.rfind("/_sim/", 0) == 0 || request.path == "/_sim") {
    return HandleControl(request);
  }
  return HandleAws(request);
}

Response Simulator::HandleAws(Request request) {
  auto started = std::chrono::steady_clock::now();
  std::string request_id;
  Service* service = nullptr;
  std::string operation;
  Value key_params;
  // A JSON-protocol body is parsed here, outside the world's lock, for the
  // request log and the service to share.
  if (!request.Header("X-Amz-Target").empty()) (void)request.JsonBody();
  {
    std::unique_lock lock(world_.mutex);
    request_id = fmt::format("00000000-0000-4000-8000-{:012x}", ++request_counter_);
    TickAll();
    AuthResult auth = Authenticate(world_, request);
    service = FindService(auth.service);
    if (!service) {
      // Without a parseable scope the request cannot be routed; answer in
      // the most common shape and say what is wrong.
      LogEntry entry;
      entry.time = world_.Now();
      entry.service = auth.service;
      entry.status = auth.ok ? 400 : 403;
      entry.error_code = auth.ok ? "UnknownService" : "MissingAuthenticationToken";
      Record(std::move(entry));
      if (!auth.ok && auth.service.empty()) {
        SimError error = AuthError(aws::Protocol::kRestJson, auth.failure, auth.message);
        return RestJsonError(error, request_id);
      }
      return Unroutable(
          fmt::format("flightplan-cloudsim does not simulate the service '{}' named in "
                      "the credential scope (it serves sts, s3, dynamodb, cognito-idp, "
                      "amplify, cloudformation)",
                      auth.service));
    }
    request.service = service->signing_name();
    request.request_id = request_id;
    operation = service->OperationOf(request);
    key_params = service->LogParams(request, operation);
    if (!auth.ok) {
      SimError error = AuthError(service->protocol(), auth.failure, auth.message);
      LogEntry entry;
      entry.time = world_.Now();
      entry.service = request.service;
      entry.operation = operation;
      entry.params = key_params;
      entry.status = error.status;
      entry.error_code = error.code;
      Record(std::move(entry));
      return service->Error(error, request, request_id);
    }
    request.access_key = auth.identity->access_key;
    request.caller_arn = auth.identity->arn;

    // Latency first, outside the lock, then the other transport faults.
    if (auto latency = world_.faults.Take(request.service, operation, key_params, {"latency"})) {
      lock.unlock();
      std::this_thread::sleep_for(latency->latency);
      lock.lock();
      TickAll();
    }
  }

  std::lock_guard lock(world_.mutex);
  LogEntry entry;
  entry.time = world_.Now();
  entry.service = request.service;
  entry.operation = operation;
  entry.params = key_params;
  entry.caller = request.caller_arn;
  Response response;
  std::optional<FaultRule> fault =
      world_.faults.Take(request.service, operation, key_params, {"throttle", "error", "reset"});
  bool reset_after = false;
  if (!fault && !operation.empty()) {
    reset_after =
        world_.faults.Take(request.service, operation, key_params, {"reset_after"}).has_value();
  }
  if (fault) {
    if (fault->kind == "throttle") {
      response = service->Error(service->ThrottlingError(operation), request, request_id);
    } else if (fault->kind == "error") {
      response = service->Error({fault->status, fault->code, fault->message}, request, request_id);
    } else {
      response.status = 200;
      response.drop_connection = true;
    }
  } else if (operation.empty()) {
    SimError error{400, "InvalidAction",
                   fmt::format("flightplan-cloudsim's {} does not support this "
                               "request ({} {})",
                               request.service, request.method, request.path)};
    if (service->protocol() == aws::Protocol::kJson) {
      error.code = "UnknownOperationException";
    }
    response = service->Error(error, request, request_id);
  } else {
    response = service->Handle(world_, request, operation);
    if (response.status < 300 && !service->IsReadOnly(operation)) {
      if (auto persisted = Persist(); !persisted) {
        response = service->Error(
            {500, "InternalFailure",
             "the simulator could not save its state: " + persisted.error().message()},
            request, request_id);
      }
    }
  }
  if (reset_after) response.drop_connection = true;  // applied, but the answer is lost
  if (aws::FindHeader(response.headers, "x-amzn-RequestId").empty() &&
      aws::FindHeader(response.headers, "x-amz-request-id").empty()) {
    response.SetHeader("x-amzn-RequestId", request_id);
  }
  entry.status = response.drop_connection ? 0 : response.status;
  if (response.status >= 300 || response.drop_connection) {
    std::string_view type = aws::FindHeader(response.headers, "X-Amzn-ErrorType");
    entry.error_code = response.drop_connection ? "ConnectionReset" : std::string(type);
    if (entry.error_code.empty()) {
      // Query/REST-XML: the code is in the body.
      size_t start = response.body.find("<Code>");
      size_t end = response.body.find("</Code>");
      if (start != std::string::npos && end != std::string::npos) {
        entry.error_code = response.body.substr(start + 6, end - start - 6);
      }
    }
  }
  entry.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  Record(std::move(entry));
  return response;
}

Response Simulator::HandleControl(const Request& request) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  auto body = ParseJsonBody(request);
  if (!body) return ControlError(400, body.error().message());

  if (path == "/_sim/health" && method == "GET") {
    std::lock_guard lock(world_.mutex);
    ValueMap out;
    out["status"] = "ok";
    out["account"] = world_.config().account_id;
    out["region"] = world_.config().region;
    return ControlJson(Value(std::move(out)));
  }
  if (path == "/_sim/reset" && method == "POST") {
    std::lock_guard lock(world_.mutex);
    world_.Reset();
    world_.faults.Clear();
    log_.clear();
    if (auto persisted = Persist(); !persisted) {
      return ControlError(500, persisted.error().message());
    }
    return ControlJson(Value(ValueMap{{"reset", Value(true)}}));
  }
  if (path == "/_sim/seed" && method == "POST") {
    const Value* fixture = body->Find("fixture");
    if (!fixture || !fixture->is_string()) {
      return ControlError(400,
                          "POST /_sim/seed needs {\"fixture\": \"<fixture app "
                          "directory>\"}");
    }
    auto summary = Seed(fixture->as_string());
    if (!summary) {
      return ControlError(summary.error().code() == ErrorCode::kNotFound ? 404 : 400,
                          summary.error().message());
    }
    return ControlJson(*summary);
  }
  if (path == "/_sim/faults") {
    std::lock_guard lock(world_.mutex);
    if (method == "GET") return ControlJson(world_.faults.ToValue());
    if (method == "POST") {
      auto rule = FaultRule::FromValue(*body);
      if (!rule) return ControlError(400, rule.error().message());
      std::string id = world_.faults.Add(std::move(*rule));
      return ControlJson(Value(ValueMap{{"id", Value(id)}}));
    }
    if (method == "DELETE") {
      std::string_view id = request.QueryParam("id");
      if (id.empty()) {
        world_.faults.Clear();
      } else if (!world_.faults.Remove(id)) {
        return ControlError(404, fmt::format("no fault rule '{}'", id));
      }
      return ControlJson(Value(ValueMap{{"removed", Value(true)}}));
    }
  }
  if (path == "/_sim/log") {
    std::lock_guard lock(world_.mutex);
    if (method == "DELETE") {
      log_.clear();
      return ControlJson(Value(ValueMap{{"cleared", Value(true)}}));
    }
    if (method == "GET") {
      std::string_view service = request.QueryParam("service");
      std::string_view operation = request.QueryParam("operation");
      int64_t since = std::atoll(std::string(request.QueryParam("since")).c_str());
      ValueList entries;
      for (const LogEntry& entry : log_) {
        if (!service.empty() && entry.service != service) continue;
        if (!operation.empty() && entry.operation != operation) continue;
        if (entry.seq <= since) continue;
        entries.push_back(entry.ToValue());
      }
      return ControlJson(Value(std::move(entries)));
    }
  }
  if (path == "/_sim/state" && method == "GET") {
    std::lock_guard lock(world_.mutex);
    TickAll();
    return ControlJson(world_.Dump());
  }
  if (path == "/_sim/mutate" && method == "POST") {
    std::lock_guard lock(world_.mutex);
    TickAll();
    const Value* name = body->Find("service");
    Service* service = name && name->is_string() ? FindService(name->as_string()) : nullptr;
    if (!service) {
      return ControlError(400,
                          "POST /_sim/mutate needs \"service\": one of sts, s3, "
                          "dynamodb, cognito-idp, amplify, cloudformation");
    }
    auto result = service->Mutate(world_, *body);
    if (!result) {
      return ControlError(result.error().code() == ErrorCode::kNotFound ? 404 : 400,
                          result.error().message());
    }
    if (auto persisted = Persist(); !persisted) {
      return ControlError(500, persisted.error().message());
    }
    return ControlJson(*result);
  }
  if (path == "/_sim/config" && method == "POST") {
    std::lock_guard lock(world_.mutex);
    if (const Value* delay = body->Find("operation_delay_ms")) {
      if (!delay->is_int() || delay->as_int() < 0) {
        return ControlError(400, "operation_delay_ms must be a non-negative integer");
      }
      world_.mutable_config().operation_delay = Duration(delay->as_int());
    }
    ValueMap out;
    out["operation_delay_ms"] = static_cast<int64_t>(world_.config().operation_delay.count());
    return ControlJson(Value(std::move(out)));
  }
  return ControlError(404, fmt::format("no control endpoint {} {} (see "
                                       "cloudsim/simulator.h)",
                                       method, path));
}

}  // namespace flightplan::cloudsim
