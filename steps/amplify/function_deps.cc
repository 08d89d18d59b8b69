#include "steps/amplify/function_deps.h"

#include <algorithm>
#include <tuple>

#include "steps/amplify/gen1_facts.h"
#include "steps/amplify/import_scan.h"

namespace flightplan::amplify {
namespace {

bool Declares(const Value& package_json, const char* field, const std::string& name) {
  const Value* deps = package_json.Find(field);
  return deps && deps->is_map() && deps->as_map().count(name) > 0;
}

std::string Shortened(const std::string& text) {
  return text.size() <= 60 ? text : text.substr(0, 57) + "...";
}

}  // namespace

const std::map<std::string, std::string>& ToolchainAwsSdkPackages() {
  static const std::map<std::string, std::string> kPackages = {
      {"@aws-sdk/checksums", "3.1002.5"},
      {"@aws-sdk/core", "3.981.0"},
      {"@aws-sdk/credential-provider-cognito-identity", "3.972.83"},
      {"@aws-sdk/credential-provider-env", "3.972.84"},
      {"@aws-sdk/credential-provider-http", "3.972.86"},
      {"@aws-sdk/credential-provider-ini", "3.973.30"},
      {"@aws-sdk/credential-provider-login", "3.972.92"},
      {"@aws-sdk/credential-provider-node", "3.972.97"},
      {"@aws-sdk/credential-provider-process", "3.972.84"},
      {"@aws-sdk/credential-provider-sso", "3.973.28"},
      {"@aws-sdk/credential-provider-web-identity", "3.972.90"},
      {"@aws-sdk/credential-providers", "3.1169.0"},
      {"@aws-sdk/ec2-metadata-service", "3.1163.0"},
      {"@aws-sdk/middleware-sdk-ec2", "3.972.72"},
      {"@aws-sdk/middleware-sdk-rds", "3.972.72"},
      {"@aws-sdk/middleware-sdk-route53", "3.972.29"},
      {"@aws-sdk/middleware-sdk-s3", "3.972.89"},
      {"@aws-sdk/nested-clients", "3.998.3"},
      {"@aws-sdk/region-config-resolver", "3.972.59"},
      {"@aws-sdk/signature-v4-multi-region", "3.996.52"},
      {"@aws-sdk/signature-v4a", "3.1138.0"},
      {"@aws-sdk/token-providers", "3.1166.0"},
      {"@aws-sdk/types", "3.975.1"},
      {"@aws-sdk/util-arn-parser", "3.972.51"},
      {"@aws-sdk/xml-builder", "3.972.43"},
  };
  return kPackages;
}

std::optional<std::string> AwsSdkVersion(const std::string& package) {
  if (auto it = ToolchainAwsSdkPackages().find(package); it != ToolchainAwsSdkPackages().end()) {
    return it->second;
  }
  if (package.starts_with("@aws-sdk/client-") || package.starts_with("@aws-sdk/lib-")) {
    return std::string(kAwsSdkV3ClientVersion);
  }
  return std::nullopt;
}

FunctionImports AnalyzeFunctionImports(const Gen1Resource& function) {
  FunctionImports out;
  if (function.category != "function" || function.service != "Lambda" ||
      !IsNodeFunction(function)) {
    return out;
  }
  std::map<std::string, UndeclaredPackage> undeclared;
  for (const auto& [rel, bytes] : function.source_files) {
    if (!IsScannedSourceFile(rel)) continue;
    const std::string file = "src/" + rel;
    for (const ImportRef& ref : ScanImports(bytes)) {
      if (ref.kind == ImportKind::kUnknown) {
        out.unknown.push_back({{file, ref.line}, Shortened(ref.specifier)});
        continue;
      }
      if (ref.kind != ImportKind::kPackage) continue;
      if (Declares(function.package_json, "dependencies", ref.package) ||
          Declares(function.package_json, "optionalDependencies", ref.package)) {
        continue;
      }
      UndeclaredPackage& entry = undeclared[ref.package];
      entry.package = ref.package;
      entry.uses.push_back({file, ref.line});
    }
  }
  for (auto& [name, entry] : undeclared) {
    entry.dev_only = Declares(function.package_json, "devDependencies", name);
    if (name == "aws-sdk") {
      entry.resolution = UndeclaredResolution::kDeclaredSdkV2;
      entry.version = kAwsSdkV2Version;
    } else if (std::optional<std::string> version = AwsSdkVersion(name)) {
      entry.resolution = UndeclaredResolution::kDeclaredSdkV3;
      entry.version = *version;
    }
    out.undeclared.push_back(std::move(entry));
  }
  std::sort(out.unknown.begin(), out.unknown.end(),
            [](const UnknownImport& a, const UnknownImport& b) {
              return std::tie(a.where.file, a.where.line) < std::tie(b.where.file, b.where.line);
            });
  return out;
}

std::map<std::string, std::string> UndeclaredSdkDependencies(const Gen1Project& project) {
  std::map<std::string, std::string> out;
  for (const Gen1Resource* fn : project.OfCategory("function")) {
    for (const UndeclaredPackage& p : AnalyzeFunctionImports(*fn).undeclared) {
      if (p.resolution != UndeclaredResolution::kManual) out.emplace(p.package, p.version);
    }
  }
  return out;
}

}  // namespace flightplan::amplify
