// The modules a JavaScript or TypeScript source file loads, found by reading
// it as a tokenizer does (comments, strings, template literals and regular
// expression literals are skipped), not by matching text: `require('x')`,
// `import … from 'x'`, `import 'x'`, `export … from 'x'` and dynamic
// `import('x')`. TypeScript type-only imports (`import type …`,
// `export type … from`, `import { type A } from …`) load nothing at run time
// and are left out. Pure functions.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_IMPORT_SCAN_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_IMPORT_SCAN_H_

#include <string>
#include <string_view>
#include <vector>

namespace flightplan::amplify {

enum class ImportKind {
  kPackage,   // a package of node_modules: `package` names it
  kRelative,  // "./x", "../x", "/opt/x": a file, not a package
  kBuiltin,   // a Node.js builtin module ("fs", "node:fs", "fs/promises")
  kProvided,  // provided by the Gen2 toolchain at build time ("$amplify/env/<fn>")
  kUnknown,   // a computed argument (`require(name)`): which module is unknown
};

struct ImportRef {
  int line = 0;           // 1-based line of the require/import keyword
  std::string specifier;  // as written; for kUnknown, the argument's first token
  std::string package;    // kPackage: "lodash" for "lodash/fp", "@aws-sdk/client-s3" for
                          // "@aws-sdk/client-s3/dist-cjs/index.js"; "" otherwise
  ImportKind kind = ImportKind::kPackage;
};

// Every module load of `source`, in order of appearance. A template literal
// or string concatenation whose literal head is relative (`./${name}`) is
// kRelative (bundlers include every file it can match); any other computed
// argument is kUnknown. Never fails: text that is not valid JavaScript gives
// what could be recognised.
[[nodiscard]] std::vector<ImportRef> ScanImports(std::string_view source);

// The package a bare specifier names: the first path segment, or the first
// two for a scoped name ("@scope/name"); "" when there is none ("@scope").
[[nodiscard]] std::string PackageOfSpecifier(std::string_view specifier);

// True for Node.js builtin modules, with or without the "node:" prefix, and
// their subpaths ("fs/promises").
[[nodiscard]] bool IsNodeBuiltin(std::string_view specifier);

// The source files a function's imports are read from: .js, .mjs, .cjs,
// .jsx, .ts, .mts, .cts, .tsx, except TypeScript declaration files (.d.ts).
[[nodiscard]] bool IsScannedSourceFile(std::string_view path);

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_IMPORT_SCAN_H_
