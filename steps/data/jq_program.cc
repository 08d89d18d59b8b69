#include "steps/data/jq_program.h"

#include <fmt/format.h>

#include <climits>
#include <string>
#include <vector>

extern "C" {
#include <jq.h>
}

namespace flightplan::data {

struct JqProgram::State {
  jq_state* jq = nullptr;
  std::vector<std::string> messages;  // from jq's error callback

  ~State() {
    if (jq != nullptr) jq_teardown(&jq);
  }

  std::string TakeMessages() {
    std::string all;
    for (const std::string& m : messages) all += (all.empty() ? "" : "; ") + m;
    messages.clear();
    return all;
  }
};

namespace {

void CollectMessage(void* data, jv message) {
  auto* messages = static_cast<std::vector<std::string>*>(data);
  if (jv_get_kind(message) == JV_KIND_STRING) {
    messages->emplace_back(jv_string_value(message));
  } else {
    jv text = jv_dump_string(jv_copy(message), 0);
    messages->emplace_back(jv_string_value(text));
    jv_free(text);
  }
  jv_free(message);
}

// jq's JSON text of a value (consumes `v`).
std::string DumpAndFree(jv v) {
  jv text = jv_dump_string(v, 0);
  std::string out(jv_string_value(text),
                  static_cast<size_t>(jv_string_length_bytes(jv_copy(text))));
  jv_free(text);
  return out;
}

// The message of an invalid value (consumes `v`).
std::string InvalidMessage(jv v) {
  jv message = jv_invalid_get_msg(v);
  std::string out;
  if (jv_get_kind(message) == JV_KIND_STRING) {
    out = jv_string_value(message);
    jv_free(message);
  } else {
    out = DumpAndFree(message);
  }
  return out;
}

}  // namespace

JqProgram::JqProgram(std::unique_ptr<State> state) : state_(std::move(state)) {}
JqProgram::~JqProgram() = default;

Result<std::unique_ptr<JqProgram>> JqProgram::Compile(const std::string& program) {
  auto state = std::make_unique<State>();
  state->jq = jq_init();
  if (state->jq == nullptr) {
    return MakeError(ErrorCode::kInternal, "jq could not start (out of memory?)");
  }
  jq_set_error_cb(state->jq, CollectMessage, &state->messages);
  if (!jq_compile(state->jq, program.c_str())) {
    std::string messages = state->TakeMessages();
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("the jq program does not compile: {}",
                                 messages.empty() ? "jq gave no reason" : messages));
  }
  return std::unique_ptr<JqProgram>(new JqProgram(std::move(state)));
}

Result<Value> JqProgram::Apply(const Value& input) {
  std::string text = input.ToJson();
  if (text.size() > static_cast<size_t>(INT_MAX)) {
    return MakeError(ErrorCode::kInvalidInput, "an item too large for jq");
  }
  jv parsed = jv_parse_sized(text.data(), static_cast<int>(text.size()));
  if (!jv_is_valid(parsed)) {
    return MakeError(ErrorCode::kInternal, "jq could not read an item: " + InvalidMessage(parsed));
  }
  jq_start(state_->jq, parsed, 0);
  std::vector<std::string> results;
  std::string failure;
  // Two results are enough to know the program broke the contract.
  while (results.size() < 2) {
    jv out = jq_next(state_->jq);
    if (jv_is_valid(out)) {
      results.push_back(DumpAndFree(out));
      continue;
    }
    if (jv_invalid_has_msg(jv_copy(out)))
      failure = InvalidMessage(out);
    else
      jv_free(out);
    break;
  }
  std::string messages = state_->TakeMessages();
  if (!failure.empty() || (!messages.empty() && results.empty())) {
    return MakeError(ErrorCode::kInvalidInput,
                     fmt::format("jq: {}", failure.empty() ? messages : failure));
  }
  if (results.empty()) {
    return MakeError(ErrorCode::kInvalidInput,
                     "the jq program produced no result for an item (use null to drop an item)");
  }
  if (results.size() > 1) {
    return MakeError(ErrorCode::kInvalidInput,
                     "the jq program produced more than one result for an item; it must produce "
                     "exactly one (the new item, or null to drop it)");
  }
  auto value = Value::FromJson(results.front());
  if (!value) {
    return MakeError(
        ErrorCode::kInvalidInput,
        fmt::format("the jq program's result cannot be read back: {}", value.error().ToString()));
  }
  return value;
}

}  // namespace flightplan::data
