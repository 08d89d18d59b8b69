// The import scanner (steps/amplify/import_scan.h) and the comparison of a
// function's imports with its package.json (steps/amplify/function_deps.h),
// on hand-written sources and on the fixture apps' real handlers.
#include "steps/amplify/import_scan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "steps/amplify/function_deps.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/generate.h"
#include "tests/steps/amplify/test_support.h"

namespace flightplan::amplify {
namespace {

namespace fs = std::filesystem;
using testing::FixtureDir;
using testing::ReadJson;

// "kind package@line" for each import, e.g. "package lodash@3".
std::vector<std::string> Scan(std::string_view source) {
  std::vector<std::string> out;
  for (const ImportRef& ref : ScanImports(source)) {
    std::string kind;
    switch (ref.kind) {
      case ImportKind::kPackage:
        kind = "package " + ref.package;
        break;
      case ImportKind::kRelative:
        kind = "relative " + ref.specifier;
        break;
      case ImportKind::kBuiltin:
        kind = "builtin " + ref.specifier;
        break;
      case ImportKind::kProvided:
        kind = "provided " + ref.specifier;
        break;
      case ImportKind::kUnknown:
        kind = "unknown " + ref.specifier;
        break;
    }
    out.push_back(kind + "@" + std::to_string(ref.line));
  }
  return out;
}

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ImportScanTest, EveryFormOfLoadingAModuleIsFound) {
  EXPECT_THAT(Scan("const a = require('a');\n"
                   "import b from \"b\";\n"
                   "import { c1, c2 as c } from 'c';\n"
                   "import * as d from 'd';\n"
                   "import 'e';\n"
                   "const f = await import('f');\n"
                   "export * from 'g';\n"
                   "export { h } from 'h';\n"
                   "import i, { j } from 'i';\n"
                   "const k = require(`k`);\n"
                   "import type from 'l';\n"),
              ElementsAre("package a@1", "package b@2", "package c@3", "package d@4", "package e@5",
                          "package f@6", "package g@7", "package h@8", "package i@9",
                          "package k@10", "package l@11"));
}

TEST(ImportScanTest, CommentsAndStringsThatOnlyLookLikeImportsAreNotImports) {
  EXPECT_THAT(Scan("// const a = require('commented');\n"
                   "/* import b from 'block';\n"
                   "   require('still-block') */\n"
                   "/**\n"
                   " * @type {import('@types/aws-lambda').Handler}\n"
                   " */\n"
                   "const s = \"require('in-double-quotes')\";\n"
                   "const t = 'import x from \"in-single-quotes\"';\n"
                   "const u = `require('in-template')`;\n"
                   "const re = /require\\('in-regex'\\)/;\n"
                   "const m = key.match(/\\.(jpg|png)$/i) ? 'x' : require('after-regex');\n"
                   "obj.require('member');\n"
                   "const o = { require: 1, import: 2 };\n"
                   "console.log(import.meta.url);\n"),
              ElementsAre("package after-regex@11"));
}

TEST(ImportScanTest, TemplateLiteralsAreLexedWithTheirSubstitutions) {
  EXPECT_THAT(Scan("const a = `x ${ { k: '}' }.k } y ${require('inside')} z`;\n"
                   "const b = `line\n"
                   "${'`'}`;\n"
                   "const c = require('after');\n"),
              ElementsAre("package inside@1", "package after@4"));
}

TEST(ImportScanTest, AComputedArgumentIsUnknownUnlessItsLiteralHeadIsRelative) {
  EXPECT_THAT(Scan("const m = require(name);\n"
                   "const n = require(`${prefix}/x`);\n"
                   "const o = require('lib-' + flavour);\n"
                   "const p = await import(path);\n"
                   "const modules = names.map((name) => require(`./${name}`));\n"
                   "const q = require('../' + name);\n"),
              ElementsAre("unknown name@1", "unknown `${…}`@2", "unknown 'lib-' + …@3",
                          "unknown path@4", "relative `./${…}`@5", "relative '../' + …@6"));
}

TEST(ImportScanTest, TypeScriptTypeOnlyImportsLoadNothing) {
  EXPECT_THAT(Scan("import type { Handler } from 'aws-lambda';\n"
                   "import type Default from 'types-only';\n"
                   "import { type A, type B } from 'inline-types';\n"
                   "export type { C } from 'reexported-types';\n"
                   "import { type D, e } from 'mixed';\n"
                   "import x = require('ts-import-equals');\n"),
              ElementsAre("package mixed@5", "package ts-import-equals@6"));
}

TEST(ImportScanTest, ScopedPackagesAndSubpathsNameTheirPackage) {
  EXPECT_THAT(Scan("require('@aws-sdk/client-s3/dist-cjs/index.js');\n"
                   "require('lodash/fp');\n"
                   "import '@scope/pkg';\n"
                   "import 'plain';\n"),
              ElementsAre("package @aws-sdk/client-s3@1", "package lodash@2",
                          "package @scope/pkg@3", "package plain@4"));
  EXPECT_EQ(PackageOfSpecifier("@aws-sdk/client-s3/dist-cjs/index.js"), "@aws-sdk/client-s3");
  EXPECT_EQ(PackageOfSpecifier("lodash/fp"), "lodash");
  EXPECT_EQ(PackageOfSpecifier("@scope"), "");
  EXPECT_EQ(PackageOfSpecifier("@scope/"), "");
}

TEST(ImportScanTest, BuiltinsRelativePathsAndGen2ModulesAreNotPackages) {
  EXPECT_THAT(Scan("require('crypto');\n"
                   "require('node:fs');\n"
                   "import { readFile } from 'fs/promises';\n"
                   "require('./app');\n"
                   "require('../shared/util.js');\n"
                   "require('/opt/nodejs/layer');\n"
                   "import { env } from '$amplify/env/fn';\n"
                   "import x from 'https://example.com/x.js';\n"),
              ElementsAre("builtin crypto@1", "builtin node:fs@2", "builtin fs/promises@3",
                          "relative ./app@4", "relative ../shared/util.js@5",
                          "relative /opt/nodejs/layer@6", "provided $amplify/env/fn@7",
                          "unknown https://example.com/x.js@8"));
  EXPECT_TRUE(IsNodeBuiltin("stream/web"));
  EXPECT_FALSE(IsNodeBuiltin("streamx"));
  EXPECT_FALSE(IsNodeBuiltin("node:"));
}

TEST(ImportScanTest, BrokenSourceGivesWhatCouldBeRecognisedAndNeverMore) {
  EXPECT_THAT(Scan("require('a'"), ElementsAre("package a@1"));
  EXPECT_THAT(Scan("const s = 'unterminated\nrequire('b');"), ElementsAre("package b@2"));
  EXPECT_THAT(Scan("/* never closed require('c')"), IsEmpty());
  EXPECT_THAT(Scan("`never closed ${require('d')"), ElementsAre("package d@1"));
  EXPECT_THAT(Scan("require()"), IsEmpty());
  EXPECT_THAT(Scan(""), IsEmpty());
  EXPECT_THAT(Scan("#!/usr/bin/env node\nrequire('e');"), ElementsAre("package e@2"));
}

TEST(ImportScanTest, OnlyJavaScriptAndTypeScriptSourcesAreScanned) {
  for (const char* yes : {"index.js", "a.mjs", "a.cjs", "a.ts", "a.tsx", "a.mts"}) {
    EXPECT_TRUE(IsScannedSourceFile(yes)) << yes;
  }
  for (const char* no : {"event.json", "types.d.ts", "index.py", "README.md", "a.js.map"}) {
    EXPECT_FALSE(IsScannedSourceFile(no)) << no;
  }
}

// --- function_deps.h ---------------------------------------------------------

const UndeclaredPackage* Undeclared(const FunctionImports& imports, const std::string& name) {
  for (const UndeclaredPackage& p : imports.undeclared) {
    if (p.package == name) return &p;
  }
  return nullptr;
}

// The regression of issue 11: lognutrition's real handler imports
// @aws-sdk/client-dynamodb and @aws-sdk/lib-dynamodb, which Gen1 left to
// the Lambda runtime and its package.json never declared.
TEST(FunctionDepsTest, FitnessTrackerDeclaresTheDynamoDbClientItsHandlerImportsUndeclared) {
  Result<Gen1Project> project = LoadGen1Project(FixtureDir("fitness-tracker"));
  ASSERT_TRUE(project) << project.error().ToString();
  const Gen1Resource* fn = project->Find("function", "lognutrition");
  ASSERT_NE(fn, nullptr);
  FunctionImports imports = AnalyzeFunctionImports(*fn);
  ASSERT_EQ(imports.undeclared.size(), 2U);
  const UndeclaredPackage* client = Undeclared(imports, "@aws-sdk/client-dynamodb");
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->resolution, UndeclaredResolution::kDeclaredSdkV3);
  EXPECT_EQ(client->version, kAwsSdkV3ClientVersion);
  ASSERT_EQ(client->uses.size(), 1U);
  EXPECT_EQ(client->uses[0].file, "src/app.js");
  EXPECT_EQ(client->uses[0].line, 23);
  EXPECT_NE(Undeclared(imports, "@aws-sdk/lib-dynamodb"), nullptr);
  EXPECT_TRUE(imports.unknown.empty());
  // The pre-sign-up trigger loads its modules by `./${name}`: relative.
  const Gen1Resource* trigger =
      project->Find("function", "fitnesstracker6b0fc1196b0fc119PreSignup");
  ASSERT_NE(trigger, nullptr);
  FunctionImports trigger_imports = AnalyzeFunctionImports(*trigger);
  EXPECT_TRUE(trigger_imports.undeclared.empty());
  EXPECT_TRUE(trigger_imports.unknown.empty());

  std::map<std::string, std::string> sdk = UndeclaredSdkDependencies(*project);
  EXPECT_EQ(sdk.at("@aws-sdk/client-dynamodb"), kAwsSdkV3ClientVersion);
  EXPECT_EQ(sdk.at("@aws-sdk/lib-dynamodb"), kAwsSdkV3ClientVersion);
  // admin declares its Cognito client: its own range stays in package.json.
  EXPECT_EQ(sdk.count("@aws-sdk/client-cognito-identity-provider"), 0U);
  Result<GeneratedFiles> files = GenerateGen2(*project, {});
  ASSERT_TRUE(files);
  Result<Value> pkg = Value::FromJson(files->at("package.json"));
  ASSERT_TRUE(pkg);
  const Value* deps = pkg->Find("dependencies");
  ASSERT_NE(deps, nullptr);
  EXPECT_EQ(StringField(*deps, "@aws-sdk/client-dynamodb"), kAwsSdkV3ClientVersion);
  EXPECT_EQ(StringField(*deps, "@aws-sdk/lib-dynamodb"), kAwsSdkV3ClientVersion);
  EXPECT_EQ(StringField(*deps, "@aws-sdk/client-cognito-identity-provider"), "^3.0.0");
  EXPECT_EQ(StringField(*deps, "express"), "^4.15.2");
}

TEST(FunctionDepsTest, EveryFixtureAppsHandlersNeedNoManualDependencyWork) {
  for (const std::string& app : testing::FixtureApps()) {
    SCOPED_TRACE(app);
    Result<Gen1Project> project = LoadGen1Project(FixtureDir(app));
    ASSERT_TRUE(project) << project.error().ToString();
    for (const Gen1Resource* fn : project->OfCategory("function")) {
      FunctionImports imports = AnalyzeFunctionImports(*fn);
      for (const UndeclaredPackage& p : imports.undeclared) {
        EXPECT_NE(p.resolution, UndeclaredResolution::kManual) << fn->name << ": " << p.package;
      }
      EXPECT_TRUE(imports.unknown.empty()) << fn->name;
    }
  }
  // media-vault's thumbnail generator imports the S3 client undeclared.
  Result<Gen1Project> media = LoadGen1Project(FixtureDir("media-vault"));
  ASSERT_TRUE(media);
  EXPECT_EQ(UndeclaredSdkDependencies(*media).at("@aws-sdk/client-s3"), kAwsSdkV3ClientVersion);
}

// The SDK versions generate declares are the ones the pinned toolchain's
// lock file installs; a toolchain upgrade that moves them fails here.
TEST(FunctionDepsTest, SdkVersionsAreTheOnesThePinnedToolchainLockFileHolds) {
  Value lock = ReadJson(fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests/gen2-toolchain/package-lock.json");
  const Value* packages = lock.Find("packages");
  ASSERT_NE(packages, nullptr);
  auto top_level = [&](const std::string& name) {
    const Value* entry = packages->Find("node_modules/" + name);
    return entry ? StringField(*entry, "version") : std::string("(absent)");
  };
  for (const auto& [name, version] : ToolchainAwsSdkPackages()) {
    EXPECT_EQ(top_level(name), version) << name;
  }
  // The clients' release: the newest top-level client of the lock.
  std::string newest;
  int newest_minor = -1;
  for (const auto& [path, entry] : packages->as_map()) {
    const std::string prefix = "node_modules/@aws-sdk/client-";
    if (!path.starts_with(prefix) || path.find("/node_modules/", 1) != std::string::npos) continue;
    std::string version = StringField(entry, "version");
    int minor = std::stoi(version.substr(2, version.find('.', 2) - 2));
    if (minor > newest_minor) {
      newest_minor = minor;
      newest = version;
    }
  }
  EXPECT_EQ(newest, kAwsSdkV3ClientVersion);
  EXPECT_EQ(top_level("@aws-sdk/client-s3"), kAwsSdkV3ClientVersion);
  EXPECT_EQ(AwsSdkVersion("@aws-sdk/client-dynamodb"), kAwsSdkV3ClientVersion);
  EXPECT_EQ(AwsSdkVersion("@aws-sdk/lib-dynamodb"), kAwsSdkV3ClientVersion);
  EXPECT_EQ(AwsSdkVersion("@aws-sdk/core"), "3.981.0");
  EXPECT_EQ(AwsSdkVersion("@aws-sdk/signature-v4"), std::nullopt);
}

}  // namespace
}  // namespace flightplan::amplify
