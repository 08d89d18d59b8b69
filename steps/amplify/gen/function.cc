// The function category: defineFunction for Node.js functions (amplify/
// functions/<name>/resource.ts and their sources), plain CDK for other
// runtimes, new layer versions for layers, and in backend.ts each function's
// references to other resources, permissions and event sources.
#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "steps/amplify/gen/generator_state.h"
#include "steps/amplify/gen1_facts.h"
#include "steps/amplify/ts_emit.h"

namespace flightplan::amplify::gen {
namespace {

// The construct a function's settings are written for.
enum class LambdaConstruct { kDefineFunction, kCdkFunction };

// The deployed timeout, memory and literal environment variables of a
// function as properties of defineFunction or of a CDK lambda.Function; the
// variables that name other resources are added in backend.ts.
std::string LambdaSettingsProps(const LambdaSettings& settings, LambdaConstruct construct) {
  const bool define = construct == LambdaConstruct::kDefineFunction;
  std::string out;
  if (settings.timeout_seconds) {
    out += define ? fmt::format("  timeoutSeconds: {},\n", *settings.timeout_seconds)
                  : fmt::format("  timeout: Duration.seconds({}),\n", *settings.timeout_seconds);
  }
  if (settings.memory_mb) {
    out += fmt::format("  {}: {},\n", define ? "memoryMB" : "memorySize", *settings.memory_mb);
  }
  std::string env;
  for (const auto& [name, value] : settings.literal_environment) {
    env += fmt::format("    {}: {},\n", TsKey(name), TsString(value));
  }
  if (!env.empty()) out += "  environment: {\n" + env + "  },\n";
  return out;
}

std::string Schedule(const Gen1Resource& fn) {
  std::string rule = StringField(fn.parameters, "CloudWatchRule");
  static const std::regex kRate(R"(rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\))");
  static const std::regex kCron(R"(cron\((.+)\))");
  std::smatch m;
  if (std::regex_match(rule, m, kRate)) {
    std::string unit = m[2].str();
    std::optional<int> parsed = SmallNumber(m[1].str());
    if (!parsed || *parsed <= 0 || *parsed > 100000) return "";
    int n = *parsed;
    if (unit.starts_with("minute")) return fmt::format("every {}m", n);
    if (unit.starts_with("hour")) return fmt::format("every {}h", n);
    if (n == 1) return "every day";
    return fmt::format("every {}h", n * 24);
  }
  if (std::regex_match(rule, m, kCron)) return m[1].str();
  return "";
}

// The source file of the handler ("index.handler" -> "index.js", or the
// .mjs/.cjs/.ts the function has).
std::string HandlerFile(const Gen1Resource& fn, const LambdaSettings& settings) {
  std::string handler = settings.handler.empty() ? "index.handler" : settings.handler;
  std::string module = handler.substr(0, handler.rfind('.'));
  for (const char* ext : {".js", ".mjs", ".cjs", ".ts"}) {
    if (fn.source_files.count(module + ext)) return module + ext;
  }
  return module + ".js";
}

std::string FunctionResource(const GenState& state, const Gen1Resource& fn) {
  const LambdaSettings settings = DeployedLambdaSettings(fn);
  std::string body = fmt::format("  name: {},\n  entry: {},\n", TsString(fn.name),
                                 TsString("./src/" + HandlerFile(fn, settings)));
  const std::string& runtime = settings.runtime;
  static const std::regex kNode(R"(nodejs(\d+)\.x)");
  std::smatch m;
  if (std::optional<int> parsed;
      std::regex_match(runtime, m, kNode) && (parsed = SmallNumber(m[1].str()))) {
    int version = std::clamp(*parsed - *parsed % 2, 18, 24);
    body += fmt::format("  runtime: {},\n", version);
  }
  body += LambdaSettingsProps(settings, LambdaConstruct::kDefineFunction);
  std::string schedule = Schedule(fn);
  if (!schedule.empty()) body += fmt::format("  schedule: {},\n", TsString(schedule));
  std::vector<std::string> external_layers;
  if (const Value* layers = fn.function_parameters.Find("lambdaLayers");
      layers && layers->is_list()) {
    for (const Value& l : layers->as_list()) {
      const Gen1Resource* project_layer =
          state.project.Find("function", StringField(l, "resourceName"));
      if (StringField(l, "type") == "ProjectLayer" && project_layer && external_layers.empty()) {
        // A project layer is mounted at /opt: its modules ('/opt/nodejs/x')
        // are not bundled. defineFunction marks its `layers` keys external
        // and wants a layer ARN for each; backend.ts replaces the function's
        // layers with the Gen2 layer version, so the Gen1 version named
        // here is never attached.
        std::string arn = project_layer->meta_output.is_map()
                              ? StringField(project_layer->meta_output, "Arn")
                              : std::string();
        if (arn.find(":layer:") == std::string::npos) {
          arn = fmt::format(
              "{}{}-{}:{}", state.project.project_name, project_layer->name, state.project.env_name,
              l.Find("version") && l.Find("version")->is_number() ? l.Find("version")->ToText()
                                                                  : "1");
        }
        external_layers.push_back(fmt::format("    '/opt/*': {},\n", TsString(arn)));
        continue;
      }
      std::string arn = StringField(l, "arn");
      if (StringField(l, "type") == "ExternalLayer" && !arn.empty()) {
        external_layers.push_back(fmt::format(
            "    {}: {},\n",
            TsString(
                arn.substr(arn.find(":layer:") == std::string::npos ? 0 : arn.find(":layer:") + 7)),
            TsString(arn)));
      }
    }
  }
  if (!external_layers.empty()) body += "  layers: {\n" + ListOf(external_layers, "") + "  },\n";
  std::string group = state.GroupOf(fn.name);
  if (!group.empty()) body += fmt::format("  resourceGroupName: {},\n", TsString(group));
  return fmt::format(
      "import {{ defineFunction }} from '@aws-amplify/backend';\n\n"
      "// Gen1 function {} ({}).\n"
      "export const {} = defineFunction({{\n{}}});\n",
      fn.name, runtime.empty() ? "nodejs" : runtime, state.Id(fn), body);
}

// Environment references, permissions, event sources and layers of a
// function; a non-Node.js function is created here with CDK.
std::string FunctionWiring(GenState& state, const Gen1Resource& fn) {
  std::string out;
  const bool literal_only = state.GroupOf(fn.name) == "auth";
  std::string target;
  std::string stack;
  std::string role;
  std::string fn_name;
  std::string fn_arn;
  const LambdaSettings settings = DeployedLambdaSettings(fn);
  if (IsNodeFunction(fn)) {
    target = fmt::format("backend.{}.resources.lambda", state.Id(fn));
    stack = fmt::format("backend.{}.stack", state.Id(fn));
    role = target + ".role!.roleName";
    fn_name = target + ".functionName";
    fn_arn = target + ".functionArn";
  } else {
    const std::string& runtime = settings.runtime;
    std::string family = runtime.starts_with("python")   ? "PYTHON"
                         : runtime.starts_with("java")   ? "JAVA"
                         : runtime.starts_with("dotnet") ? "DOTNET_CORE"
                         : runtime.starts_with("go")     ? "GO"
                                                         : "OTHER";
    const std::string& handler = settings.handler;
    std::string extra = LambdaSettingsProps(settings, LambdaConstruct::kCdkFunction);
    out += fmt::format(
        "// --- function {0}: {1} is not a Node.js runtime, so it is plain CDK ---\n"
        "const {2} = new lambda.Function(backend.createStack({3}), {4}, {{\n"
        "  runtime: new lambda.Runtime({5}, lambda.RuntimeFamily.{6}),\n"
        "  handler: {7},\n"
        "  code: lambda.Code.fromAsset(fileURLToPath(new URL({8}, import.meta.url))),\n{9}}});\n",
        fn.name, runtime, state.Id(fn), TsString("function" + fn.name), TsString(fn.name),
        TsString(runtime), family, TsString(handler.empty() ? "index.handler" : handler),
        TsString(fmt::format("./functions/{}/src", fn.name)), extra);
    target = state.Id(fn);
    stack = fmt::format("{}.stack", state.Id(fn));
    role = target + ".role!.roleName";
    fn_name = target + ".functionName";
    fn_arn = target + ".functionArn";
  }
  // Environment variables that name other resources.
  const std::string env_target =
      IsNodeFunction(fn) ? fmt::format("backend.{}", state.Id(fn)) : state.Id(fn);
  std::string env;
  for (const auto& [k, v] : settings.referenced_environment) {
    const Value* ref = v.Find("Ref");
    std::optional<std::string> expr = ModelTableImport(state, v, literal_only);
    if (expr) {
      env += fmt::format("{}.addEnvironment({}, {});\n", env_target, TsString(k), *expr);
      continue;
    }
    if (!ref || !ref->is_string()) continue;
    if (ref->as_string() == "AWS::Region") {
      expr = fmt::format("{}.region", stack);
    } else {
      expr = DependencyRef(state, ref->as_string(), literal_only);
    }
    if (expr) env += fmt::format("{}.addEnvironment({}, {});\n", env_target, TsString(k), *expr);
  }
  // Everything the Gen1 function template adds beside the function, its
  // role, its log policy and its schedule: resource policies, event source
  // mappings, permissions.
  std::set<std::string> skip;
  const Value* res = fn.Template().Find("Resources");
  if (res && res->is_map()) {
    for (const auto& [id, def] : res->as_map()) {
      std::string type = StringField(def, "Type");
      if (type == "AWS::Lambda::Function" || type == "AWS::IAM::Role" ||
          type == "AWS::Events::Rule" || id == "lambdaexecutionpolicy" ||
          id == "PermissionForEventsToInvokeLambda") {
        skip.insert(id);
      }
    }
  }
  RefMap local{{"LambdaFunction", fn_name},
               {"LambdaFunction.Arn", fn_arn},
               {"LambdaExecutionRole", role},
               {"LambdaExecutionRole.Arn", target + ".role!.roleArn"}};
  L1Copy copy = CopyResources(state, fn, skip, local, literal_only);
  bool has_extra = !copy.tmpl.Find("Resources")->as_map().empty();
  // Custom policies (custom-policies.json) the Gen1 CLI added to the role.
  std::string custom;
  if (fn.custom_policies.is_list()) {
    for (const Value& statement : fn.custom_policies.as_list()) {
      std::vector<std::string> actions = Strings(statement.Find("Action"));
      std::vector<std::string> resources = Strings(statement.Find("Resource"));
      if (actions.empty() || resources.empty()) continue;
      std::vector<std::string> qa, qr;
      for (const std::string& a : actions) qa.push_back(TsString(a));
      for (const std::string& r : resources) qr.push_back(TsString(r));
      custom += fmt::format(
          "{}.addToRolePolicy(\n  new iam.PolicyStatement({{ actions: [{}], resources: [{}] "
          "}}),\n);\n",
          target, ListOf(qa), ListOf(qr));
    }
  }
  std::string layers;
  if (const Value* ls = fn.function_parameters.Find("lambdaLayers"); ls && ls->is_list()) {
    std::vector<std::string> arns;
    for (const Value& l : ls->as_list()) {
      const Gen1Resource* layer = state.project.Find("function", StringField(l, "resourceName"));
      if (StringField(l, "type") == "ProjectLayer" && layer) {
        arns.push_back(state.Id(*layer) + ".layerVersionArn");
      }
    }
    if (!arns.empty()) {
      layers = IsNodeFunction(fn)
                   ? fmt::format("backend.{}.resources.cfnResources.cfnFunction.layers = [{}];\n",
                                 state.Id(fn), ListOf(arns))
                   : fmt::format("{}.addLayers({});\n", state.Id(fn), ListOf([&] {
                                   std::vector<std::string> v;
                                   for (const Value& l : ls->as_list()) {
                                     const Gen1Resource* layer = state.project.Find(
                                         "function", StringField(l, "resourceName"));
                                     if (layer) v.push_back(state.Id(*layer));
                                   }
                                   return v;
                                 }()));
    }
  }
  if (env.empty() && !has_extra && custom.empty() && layers.empty()) return out;
  if (IsNodeFunction(fn)) {
    out +=
        fmt::format("// --- function {}: references, permissions and event sources ---\n", fn.name);
  }
  out += env + custom + layers;
  if (has_extra) out += EmitL1(state, fn, copy, stack, "", false);
  return out;
}

bool ClaimsFunction(const Gen1Resource& resource) { return resource.category == "function"; }

void WriteFunctionFiles(GenState& state) {
  for (const Gen1Resource* fn : state.project.OfCategory("function")) {
    if (fn->service == "LambdaLayer") {
      for (const auto& [rel, bytes] : fn->source_files) {
        state.files[fmt::format("amplify/layers/{}/{}", fn->name, rel)] = bytes;
      }
      continue;
    }
    for (const auto& [rel, bytes] : fn->source_files) {
      state.files[fmt::format("amplify/functions/{}/src/{}", fn->name, rel)] = bytes;
    }
    if (IsNodeFunction(*fn)) {
      state.files[fmt::format("amplify/functions/{}/resource.ts", fn->name)] =
          FunctionResource(state, *fn);
    }
  }
}

void WriteFunctionBackend(GenState& state, BackendTs& backend) {
  for (const Gen1Resource* fn : state.project.OfCategory("function")) {
    if (fn->service == "Lambda" && IsNodeFunction(*fn)) {
      backend.imports +=
          fmt::format("import {{ {} }} from './functions/{}/resource';\n", state.Id(*fn), fn->name);
      backend.members.push_back(state.Id(*fn));
    }
  }
  // Layers before functions: functions attach them.
  for (const Gen1Resource* fn : state.project.OfCategory("function")) {
    if (fn->service != "LambdaLayer") continue;
    std::vector<std::string> runtimes;
    if (const Value* rts = fn->parameters.Find("runtimes"); rts && rts->is_list()) {
      for (const Value& rt : rts->as_list()) {
        if (rt.is_string()) runtimes.push_back(rt.as_string());
      }
    }
    std::string compat;
    for (const std::string& rt : runtimes) {
      compat += fmt::format("new lambda.Runtime({}, lambda.RuntimeFamily.{}), ", TsString(rt),
                            rt.starts_with("python") ? "PYTHON" : "NODEJS");
    }
    if (!compat.empty())
      compat = "  compatibleRuntimes: [" + compat.substr(0, compat.size() - 2) + "],\n";
    backend.body += fmt::format(
        "// --- function layer {0}: a new layer version with the Gen1 content ---\n"
        "const {1} = new lambda.LayerVersion(backend.createStack({2}), {3}, {{\n"
        "  code: lambda.Code.fromAsset(fileURLToPath(new URL({4}, "
        "import.meta.url))),\n{5}}});\n\n",
        fn->name, state.Id(*fn), TsString("layer" + fn->name), TsString(fn->name),
        TsString(fmt::format("./layers/{}", fn->name)), compat);
  }
  for (const Gen1Resource* fn : state.project.OfCategory("function")) {
    if (fn->service != "Lambda") continue;
    std::string section = FunctionWiring(state, *fn);
    if (!section.empty()) backend.body += section + "\n";
  }
}

}  // namespace

const CategoryWriter kFunctionWriter = {.name = "function",
                                        .claims = ClaimsFunction,
                                        .write_files = WriteFunctionFiles,
                                        .write_backend = WriteFunctionBackend};

}  // namespace flightplan::amplify::gen
