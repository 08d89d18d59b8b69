// The auth category: defineAuth for the main user pool (amplify/auth/
// resource.ts) and, in backend.ts, the pool settings defineAuth cannot
// express, pinned to their deployed values.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>

#include "steps/amplify/cfn_resolve.h"
#include "steps/amplify/gen/generator_state.h"
#include "steps/amplify/gen1_facts.h"
#include "steps/amplify/ts_emit.h"

namespace flightplan::amplify::gen {
namespace {

const std::set<std::string, std::less<>> kStandardAttributes = {"address",
                                                                "birthdate",
                                                                "email",
                                                                "family_name",
                                                                "gender",
                                                                "given_name",
                                                                "locale",
                                                                "middle_name",
                                                                "name",
                                                                "nickname",
                                                                "phone_number",
                                                                "picture",
                                                                "preferred_username",
                                                                "profile",
                                                                "updated_at",
                                                                "website",
                                                                "zoneinfo",
                                                                "sub",
                                                                "email_verified",
                                                                "phone_number_verified"};

// Gen2 defineAuth names of the standard attributes.
std::string Gen2AttributeName(std::string_view cognito) {
  static const std::map<std::string, std::string, std::less<>> kNames = {
      {"address", "address"},
      {"birthdate", "birthdate"},
      {"email", "email"},
      {"family_name", "familyName"},
      {"gender", "gender"},
      {"given_name", "givenName"},
      {"locale", "locale"},
      {"middle_name", "middleName"},
      {"name", "fullname"},
      {"nickname", "nickname"},
      {"phone_number", "phoneNumber"},
      {"picture", "profilePicture"},
      {"preferred_username", "preferredUsername"},
      {"profile", "profilePage"},
      {"updated_at", "lastUpdateTime"},
      {"website", "website"},
      {"zoneinfo", "timezone"}};
  auto it = kNames.find(cognito);
  return it == kNames.end() ? std::string() : it->second;
}

const Value& Cognito(const GenState& state) {
  static const Value kEmpty;
  const Value* c = state.auth->cli_inputs.Find("cognitoConfig");
  return c ? *c : kEmpty;
}

// Group names ordered by precedence (unset counts as 0), then name.
std::vector<std::string> Groups(const GenState& state) {
  std::vector<std::pair<int64_t, std::string>> groups;
  for (const UserPoolGroup& group : UserPoolGroups(state.project)) {
    groups.emplace_back(group.precedence.value_or(0), group.name);
  }
  std::sort(groups.begin(), groups.end());
  std::vector<std::string> out;
  for (auto& [p, name] : groups) out.push_back(name);
  return out;
}

std::string AuthResource(const GenState& state) {
  const Value& c = Cognito(state);
  const Value pool_props = UserPoolProperties(*state.auth);
  const Value* pool = pool_props.is_null() ? nullptr : &pool_props;
  std::vector<std::string> username_attrs = UsernameAttributes(*state.auth);
  bool phone = std::find(username_attrs.begin(), username_attrs.end(), "phone_number") !=
               username_attrs.end();
  bool email = !phone || std::find(username_attrs.begin(), username_attrs.end(), "email") !=
                             username_attrs.end();
  std::string imports = "import { defineAuth";
  std::string login = "  loginWith: {\n";
  if (email) login += "    email: true,\n";
  if (phone) login += "    phone: true,\n";

  std::vector<std::string> providers = Strings(c.Find("authProvidersUserPool"));
  std::string oauth_json = StringField(c, "oAuthMetadata");
  Value oauth;
  if (!oauth_json.empty()) {
    if (auto parsed = Value::FromJson(oauth_json)) oauth = *parsed;
  }
  if (!providers.empty()) {
    imports += ", secret";
    login += "    externalProviders: {\n";
    for (const std::string& p : providers) {
      std::string upper;
      for (char ch : p) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (p == "Google") {
        login += fmt::format(
            "      google: {{\n        clientId: secret('GOOGLE_CLIENT_ID'),\n"
            "        clientSecret: secret('GOOGLE_CLIENT_SECRET'),\n"
            "        scopes: ['openid', 'email', 'profile'],\n"
            "        attributeMapping: {{ email: 'email' }},\n      }},\n");
      } else if (p == "Facebook") {
        login += fmt::format(
            "      facebook: {{\n        clientId: secret('FACEBOOK_CLIENT_ID'),\n"
            "        clientSecret: secret('FACEBOOK_CLIENT_SECRET'),\n"
            "        scopes: ['email', 'public_profile'],\n"
            "        attributeMapping: {{ email: 'email' }},\n      }},\n");
      } else if (p == "LoginWithAmazon") {
        login +=
            "      loginWithAmazon: {\n        clientId: secret('AMAZON_CLIENT_ID'),\n"
            "        clientSecret: secret('AMAZON_CLIENT_SECRET'),\n      },\n";
      } else if (p == "SignInWithApple") {
        login +=
            "      signInWithApple: {\n        clientId: secret('APPLE_CLIENT_ID'),\n"
            "        teamId: secret('APPLE_TEAM_ID'),\n"
            "        keyId: secret('APPLE_KEY_ID'),\n"
            "        privateKey: secret('APPLE_PRIVATE_KEY'),\n      },\n";
      }
    }
    std::vector<std::string> scopes;
    static const std::map<std::string, std::string, std::less<>> kScopes = {
        {"phone", "PHONE"},
        {"email", "EMAIL"},
        {"openid", "OPENID"},
        {"profile", "PROFILE"},
        {"aws.cognito.signin.user.admin", "COGNITO_ADMIN"}};
    for (const std::string& s : Strings(oauth.Find("AllowedOAuthScopes"))) {
      auto it = kScopes.find(s);
      if (it != kScopes.end()) scopes.push_back(TsString(it->second));
    }
    if (!scopes.empty()) login += fmt::format("      scopes: [{}],\n", ListOf(scopes));
    std::vector<std::string> callbacks, logouts;
    for (const std::string& u : Strings(oauth.Find("CallbackURLs")))
      callbacks.push_back(TsString(u));
    for (const std::string& u : Strings(oauth.Find("LogoutURLs"))) logouts.push_back(TsString(u));
    if (callbacks.empty()) callbacks.push_back(TsString("http://localhost:3000/"));
    if (logouts.empty()) logouts.push_back(TsString("http://localhost:3000/"));
    login += fmt::format("      callbackUrls: [{}],\n      logoutUrls: [{}],\n", ListOf(callbacks),
                         ListOf(logouts));
    login += "    },\n";
  }
  login += "  },\n";

  // Standard attributes the pool requires, and every custom attribute the
  // pool or its clients know ("custom:family_name" is a valid key once
  // quoted).
  std::map<std::string, std::string> attributes;
  for (const std::string& a : Strings(c.Find("requiredAttributes"))) {
    std::string gen2 = Gen2AttributeName(a);
    if (!gen2.empty()) attributes[gen2] = "{ required: true, mutable: true }";
  }
  if (pool) {
    if (const Value* schema = pool->Find("Schema"); schema && schema->is_list()) {
      for (const Value& attr : schema->as_list()) {
        std::string name = StringField(attr, "Name");
        if (name.empty()) continue;
        std::string bare = name.starts_with("custom:") ? name.substr(7) : name;
        if (!name.starts_with("custom:") && kStandardAttributes.count(name)) continue;
        std::string type = StringField(attr, "AttributeDataType");
        const Value* mutable_v = attr.Find("Mutable");
        attributes["custom:" + bare] = fmt::format(
            "{{ dataType: {}, mutable: {} }}", TsString(type.empty() ? "String" : type),
            mutable_v && mutable_v->is_bool() && !mutable_v->as_bool() ? "false" : "true");
      }
    }
  }
  for (const char* field : {"userpoolClientReadAttributes", "userpoolClientWriteAttributes"}) {
    for (const std::string& a : Strings(c.Find(field))) {
      if (a.starts_with("custom:") && !attributes.count(a)) {
        attributes[a] = "{ dataType: 'String', mutable: true }";
      }
    }
  }
  std::string body = login;
  if (!attributes.empty()) {
    body += "  userAttributes: {\n";
    for (const auto& [k, v] : attributes) body += fmt::format("    {}: {},\n", TsKey(k), v);
    body += "  },\n";
  }
  std::vector<std::string> groups = Groups(state);
  if (!groups.empty()) {
    std::vector<std::string> quoted;
    for (const std::string& g : groups) quoted.push_back(TsString(g));
    body += fmt::format("  groups: [{}],\n", ListOf(quoted));
  }
  std::string fn_imports;
  std::map<std::string, std::string> triggers = AuthTriggers(state.project, *state.auth);
  if (!triggers.empty()) {
    body += "  triggers: {\n";
    for (const auto& [event, fn] : triggers) {
      const Gen1Resource* f = state.project.Find("function", fn);
      if (!f || !IsNodeFunction(*f)) continue;
      fn_imports +=
          fmt::format("import {{ {} }} from '../functions/{}/resource';\n", state.Id(*f), fn);
      body += fmt::format("    {}: {},\n", event, state.Id(*f));
    }
    body += "  },\n";
  }
  std::string mfa = StringField(c, "mfaConfiguration");
  if (mfa == "ON" || mfa == "OPTIONAL") {
    std::vector<std::string> types = Strings(c.Find("mfaTypes"));
    bool sms = std::find(types.begin(), types.end(), "SMS Text Message") != types.end();
    bool totp = std::find(types.begin(), types.end(), "TOTP") != types.end();
    if (!sms && !totp) sms = true;
    body += fmt::format("  multifactor: {{\n    mode: {},\n",
                        TsString(mfa == "ON" ? "REQUIRED" : "OPTIONAL"));
    if (sms) body += "    sms: true,\n";
    if (totp) body += "    totp: true,\n";
    body += "  },\n";
  }
  return fmt::format(
      "{} }} from '@aws-amplify/backend';\n{}\n"
      "// Gen1 auth resource {}: sign-in, attributes, groups, triggers and MFA.\n"
      "// Settings defineAuth cannot express (password policy, username\n"
      "// attributes, schema) are pinned in amplify/backend.ts.\n"
      "export const auth = defineAuth({{\n{}}});\n",
      imports, fn_imports, state.auth->name, body);
}

// Identity-defining user pool settings copied from the deployed pool.
std::string AuthPins(const GenState& state) {
  std::string out;
  const Value pool_props = UserPoolProperties(*state.auth);
  const Value* pool = pool_props.is_null() ? nullptr : &pool_props;
  out += "// --- auth: pin the Gen1 user pool's identity-defining settings ---\n";
  out += "const cfnUserPool = backend.auth.resources.cfnResources.cfnUserPool;\n";
  if (pool) {
    for (const char* key :
         {"Schema", "UsernameAttributes", "AliasAttributes", "UsernameConfiguration", "Policies",
          "MfaConfiguration", "AutoVerifiedAttributes"}) {
      const Value* v = pool->Find(key);
      if (!v) {
        if (std::string_view(key) == "UsernameAttributes" ||
            std::string_view(key) == "AliasAttributes") {
          out += fmt::format("cfnUserPool.addPropertyDeletionOverride({});\n", TsString(key));
        }
        continue;
      }
      if (HasIntrinsic(*v)) continue;
      if (v->is_list() && v->as_list().empty()) {
        out += fmt::format("cfnUserPool.addPropertyDeletionOverride({});\n", TsString(key));
        continue;
      }
      out += fmt::format("cfnUserPool.addPropertyOverride({}, {});\n", TsString(key),
                         TsLiteral(*v, 0));
    }
  }
  // The app client's attribute restrictions (Gen2's client reads and
  // writes every attribute unless told otherwise).
  const Value client = UserPoolClientAttributes(*state.auth);
  if (client.is_map() && !client.as_map().empty()) {
    out += "const cfnUserPoolClient = backend.auth.resources.cfnResources.cfnUserPoolClient;\n";
    for (const auto& [key, list] : client.as_map()) {
      if (HasIntrinsic(list)) continue;
      out += fmt::format("cfnUserPoolClient.addPropertyOverride({}, {});\n", TsString(key),
                         TsLiteral(list, 0));
    }
  }
  if (std::optional<bool> guests = IdentityPoolAllowsGuests(*state.auth)) {
    out += fmt::format(
        "backend.auth.resources.cfnResources.cfnIdentityPool.allowUnauthenticatedIdentities = "
        "{};\n",
        *guests ? "true" : "false");
  }
  for (const UserPoolGroup& group : UserPoolGroups(state.project)) {
    if (!group.precedence) continue;
    out += fmt::format("backend.auth.resources.groups[{}].cfnUserGroup.precedence = {};\n",
                       TsString(group.name), *group.precedence);
  }
  // The identity of each Gen2 resource a Gen1 one moves into, in both
  // phases: `flightplan refactor` finds a destination by this mark alone.
  for (const ResourcePlan& p : state.plan.resources) {
    if (p.resource->category != "auth") continue;
    for (const StatefulResource& s : p.stateful) {
      if (!s.moved) continue;
      std::string mark =
          fmt::format(".addMetadata({}, {});\n", TsString(std::string(kGen1IdentityMark)),
                      TsString(fmt::format("auth/{}/{}", p.resource->name, s.logical_id)));
      if (s.type == "AWS::Cognito::UserPool" && p.resource == state.auth) {
        out += "cfnUserPool" + mark;
      } else if (s.type == "AWS::Cognito::IdentityPool" && p.resource == state.auth) {
        out += "backend.auth.resources.cfnResources.cfnIdentityPool" + mark;
      } else if (s.type == "AWS::Cognito::UserPoolGroup" && !s.physical_id.empty()) {
        out +=
            fmt::format("backend.auth.resources.groups[{}].cfnUserGroup", TsString(s.physical_id)) +
            mark;
      }
    }
  }
  const MigrationPlan& plan = state.plan;
  std::string post;
  for (const ResourcePlan& p : plan.resources) {
    if (p.resource != state.auth) continue;
    for (const StatefulResource& s : p.stateful) {
      std::string key = fmt::format("auth/{}/{}", state.auth->name, s.logical_id);
      if (s.type == "AWS::Cognito::UserPool") {
        post += fmt::format("  cfnUserPool.userPoolName = gen1Name({});\n", TsString(key));
        post += "  cfnUserPool.applyRemovalPolicy(RemovalPolicy.RETAIN);\n";
      } else if (s.type == "AWS::Cognito::IdentityPool") {
        post += fmt::format(
            "  const cfnIdentityPool = backend.auth.resources.cfnResources.cfnIdentityPool;\n"
            "  cfnIdentityPool.identityPoolName = gen1Name({});\n"
            "  cfnIdentityPool.applyRemovalPolicy(RemovalPolicy.RETAIN);\n",
            TsString(key));
      }
    }
  }
  // The moved pool keeps Gen1's hosted UI domain, and a user pool holds one
  // domain: post-refactor, the construct's own domain (made when external
  // providers are configured) is not deployed, and what names it (the
  // oauth domain of amplify_outputs.json) names Gen1's instead.
  const Value* hosted =
      state.auth->meta_output.is_map() ? state.auth->meta_output.Find("HostedUIDomain") : nullptr;
  if (hosted && hosted->is_string() && !hosted->as_string().empty()) {
    post += fmt::format(
        "  // The moved user pool keeps Gen1's hosted UI domain {0} (a user pool\n"
        "  // holds one domain; Gen1's custom resource that made it stays in the Gen1\n"
        "  // stack, and decommission retains it): the construct's own domain is not\n"
        "  // deployed, and the outputs name Gen1's (amplify/migration.json,\n"
        "  // gen1.hostedUIDomains).\n"
        "  const userPoolDomain = backend.auth.resources.userPool.node.children.find((child) =>\n"
        "    child.node.id.endsWith('UserPoolDomain'),\n"
        "  );\n"
        "  if (userPoolDomain) {{\n"
        "    userPoolDomain.node.tryRemoveChild('Resource');\n"
        "    Object.defineProperty(userPoolDomain, 'domainName', {{ value: {0} }});\n"
        "  }}\n",
        TsString(hosted->as_string()));
  }
  if (!post.empty()) out += "if (postRefactor) {\n" + post + "}\n";
  return out + "\n";
}

bool ClaimsAuth(const Gen1Resource& resource) { return resource.category == "auth"; }

void WriteAuthFiles(GenState& state) {
  if (state.auth) state.files["amplify/auth/resource.ts"] = AuthResource(state);
}

// Buckets of the auth template defineAuth does not make (the email
// verification link bucket of a CustomMessage trigger) and their policies:
// L1 copies in a stack of their own, Gen1 logical ids kept, so refactor
// moves the bucket like any other stateful resource.
std::string AuthBuckets(GenState& state) {
  std::set<std::string> skip;
  bool any = false;
  const Value* res = state.auth->Template().Find("Resources");
  if (!res || !res->is_map()) return "";
  for (const auto& [id, def] : res->as_map()) {
    std::string type = StringField(def, "Type");
    if (type == "AWS::S3::Bucket") any = true;
    if (type != "AWS::S3::Bucket" && type != "AWS::S3::BucketPolicy") skip.insert(id);
  }
  if (!any) return "";
  L1Copy copy = CopyResources(state, *state.auth, skip, {}, false);
  return fmt::format(
             "// --- auth {}: the email verification link bucket (not part of defineAuth), "
             "copied from the deployed template ---\n",
             state.auth->name) +
         EmitL1(state, *state.auth, copy,
                fmt::format("backend.createStack({})", TsString("auth" + state.auth->name)), "",
                true) +
         "\n";
}

void WriteAuthBackend(GenState& state, BackendTs& backend) {
  if (!state.auth) return;
  backend.imports += "import { auth } from './auth/resource';\n";
  backend.members.push_back("auth");
  backend.body += AuthPins(state);
  backend.body += AuthBuckets(state);
  backend.body += OverrideSection(
      state, *state.auth,
      {{"userPool", "backend.auth.resources.cfnResources.cfnUserPool"},
       {"userPoolClient", "backend.auth.resources.cfnResources.cfnUserPoolClient"},
       {"userPoolClientWeb", "backend.auth.resources.cfnResources.cfnUserPoolClient"},
       {"identityPool", "backend.auth.resources.cfnResources.cfnIdentityPool"},
       {"identityPoolRoleMap",
        "backend.auth.resources.cfnResources.cfnIdentityPoolRoleAttachment"}});
}

}  // namespace

const CategoryWriter kAuthWriter = {.name = "auth",
                                    .claims = ClaimsAuth,
                                    .write_files = WriteAuthFiles,
                                    .write_backend = WriteAuthBackend};

}  // namespace flightplan::amplify::gen
