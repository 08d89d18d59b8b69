// What a Gen1 Node.js function's sources import (import_scan.h) against what
// its src/package.json declares. Gen1 zipped each function with its own
// node_modules and left the AWS SDK to the Lambda runtime; Gen2 bundles every
// function with esbuild from the project root, which fails on any package it
// cannot find. So:
//   - an undeclared AWS SDK v3 package (@aws-sdk/*), which Gen1's Node.js
//     runtimes provided, is declared in the generated package.json at the
//     version the pinned toolchain's lock file holds (AwsSdkVersion);
//   - an undeclared `aws-sdk` (v2, which Node.js 18+ runtimes do not
//     provide) is declared at its last release and reported for porting;
//   - any other undeclared package, and a module loaded by a computed name,
//     is reported by assess as manual work naming file and line.
// Pure functions of the Gen1 model.
#ifndef FLIGHTPLAN_STEPS_AMPLIFY_FUNCTION_DEPS_H_
#define FLIGHTPLAN_STEPS_AMPLIFY_FUNCTION_DEPS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "steps/amplify/gen1_project.h"

namespace flightplan::amplify {

// Where a module is loaded: "src/app.js", 12.
struct SourceLine {
  std::string file;
  int line = 0;
};

enum class UndeclaredResolution {
  kDeclaredSdkV3,  // generate declares it at AwsSdkVersion()
  kDeclaredSdkV2,  // generate declares aws-sdk at kAwsSdkV2Version; assess asks to port it
  kManual,         // assess reports it; generate cannot declare it
};

struct UndeclaredPackage {
  std::string package;
  std::vector<SourceLine> uses;
  UndeclaredResolution resolution = UndeclaredResolution::kManual;
  std::string version;    // what generate declares; "" for kManual
  bool dev_only = false;  // declared only in devDependencies (not bundled by Gen2)
};

struct UnknownImport {
  SourceLine where;
  std::string argument;  // the computed argument as written, shortened
};

struct FunctionImports {
  std::vector<UndeclaredPackage> undeclared;  // by package name
  std::vector<UnknownImport> unknown;         // by file and line
};

// The imports of a Node.js Lambda function (not a layer, not another
// runtime: those give an empty result).
[[nodiscard]] FunctionImports AnalyzeFunctionImports(const Gen1Resource& function);

// Packages generate adds to the project's dependencies because a function
// imports them undeclared (SDK v3 and v2), package -> version; a version any
// function declares wins, so this is only for names no function declares.
[[nodiscard]] std::map<std::string, std::string> UndeclaredSdkDependencies(
    const Gen1Project& project);

// The version of an @aws-sdk/* package consistent with the pinned toolchain
// (tests/gen2-toolchain/package-lock.json): its top-level version there, or
// the release of the toolchain's clients for any @aws-sdk/client-* and
// @aws-sdk/lib-*; nullopt for other names.
[[nodiscard]] std::optional<std::string> AwsSdkVersion(const std::string& package);

// The SDK v3 release the toolchain's clients come from, and the last
// release of the AWS SDK v2.
inline constexpr const char* kAwsSdkV3ClientVersion = "3.1169.0";
inline constexpr const char* kAwsSdkV2Version = "2.1693.0";

// The top-level @aws-sdk/* packages of the toolchain's lock file that are
// neither clients nor libs, package -> version (tested against the lock).
[[nodiscard]] const std::map<std::string, std::string>& ToolchainAwsSdkPackages();

}  // namespace flightplan::amplify

#endif  // FLIGHTPLAN_STEPS_AMPLIFY_FUNCTION_DEPS_H_
