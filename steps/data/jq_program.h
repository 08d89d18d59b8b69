// A jq program (libjq, in process) that transforms one JSON value at a time.
//
// Contract per item: the program yields exactly one result — the new item
// (an object), or null to drop it. No result, several results or a jq error
// is an error naming the item's position in the program's message.
//
// Thread-safety: a JqProgram is not thread-safe (libjq's state is mutable);
// use one per thread (Compile is cheap).
#ifndef FLIGHTPLAN_STEPS_DATA_JQ_PROGRAM_H_
#define FLIGHTPLAN_STEPS_DATA_JQ_PROGRAM_H_

#include <memory>
#include <string>

#include "base/error.h"
#include "base/value.h"

namespace flightplan::data {

class JqProgram {
 public:
  // kInvalidInput with jq's own compile messages.
  [[nodiscard]] static Result<std::unique_ptr<JqProgram>> Compile(const std::string& program);
  ~JqProgram();
  JqProgram(const JqProgram&) = delete;
  JqProgram& operator=(const JqProgram&) = delete;

  // The program's one result for `input` (null: drop the item).
  [[nodiscard]] Result<Value> Apply(const Value& input);

 private:
  struct State;
  explicit JqProgram(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace flightplan::data

#endif  // FLIGHTPLAN_STEPS_DATA_JQ_PROGRAM_H_
