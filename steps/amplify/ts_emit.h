// Pure helpers that turn values into TypeScript and JSON source text. They
// exist so that every generated file quotes, escapes and orders the same way
// (same input, same bytes).
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_TS_EMIT_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_TS_EMIT_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/value.h"

namespace flightplan::amplify {

// A single-quoted TypeScript string literal.
std::string TsString(std::string_view s);
// A backtick template literal whose text is exactly `s` (`, \ and ${ escaped).
std::string TsTemplateString(std::string_view s);
// An object key: bare when it is an identifier, quoted otherwise
// ("custom:family_name" must be quoted).
std::string TsKey(std::string_view key);
// A valid, non-reserved TypeScript identifier derived from `name`.
std::string TsIdentifier(std::string_view name);

// Replaces a sub-value with TypeScript code (e.g. a Ref with
// `backend.auth.resources.userPool.userPoolId`), or nullopt to keep it.
using TsSubstitution = std::function<std::optional<std::string>(const Value&)>;

// `v` as a TypeScript literal indented by `indent` spaces, with maps in key
// order. `substitute` (optional) is asked about every map first.
std::string TsLiteral(const Value& v, int indent, const TsSubstitution& substitute = nullptr);

// `v` as JSON with two-space indentation and a final newline.
std::string PrettyJson(const Value& v);

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_TS_EMIT_H_
