// CloudFormation state of the simulated account: stacks (live and deleted),
// their resources and events, the exports table and change sets.
//
// A StackResource names a physical resource that lives in the other stores
// (a DynamoDB table, a user pool); moving a resource between stacks is
// moving its StackResource entry — the physical resource stays where it is.
// Operations are decided when they start: a stack's `pending` holds the
// status it reaches (and the events it reveals) once `pending.reveal_at`
// has passed (CfnStore::RevealDue, called from the service's Tick).
//
// Thread-safety: none; the World's mutex guards every call.
#ifndef FLIGHTPLAN_CLOUDSIM_STORES_CFN_STORE_H_
#define FLIGHTPLAN_CLOUDSIM_STORES_CFN_STORE_H_

#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/value.h"
#include "cloudsim/sim.h"

namespace flightplan::cloudsim {

class World;

struct CfnParameter {
  std::string key;
  std::string value;     // as given ("a,b" for list types)
  std::string resolved;  // SSM parameter types only
  bool no_echo = false;
};

struct CfnOutput {
  std::string key;
  std::string value;
  std::string description;
  std::string export_name;  // empty when not exported
};

struct StackEvent {
  std::string event_id;
  std::string logical_id;
  std::string physical_id;
  std::string resource_type;
  std::string status;
  std::string reason;
  std::string properties;  // JSON text, as ResourceProperties
  Timestamp timestamp{};
};

struct StackResource {
  std::string logical_id;
  std::string physical_id;  // empty until created (or linked, when seeded)
  std::string type;
  std::string status;  // CREATE_COMPLETE, UPDATE_COMPLETE, DELETE_SKIPPED...
  std::string reason;
  Value properties;                   // desired properties, intrinsics resolved
  Value actual;                       // what the provider applied (drift compares to it)
  Value attributes;                   // map of GetAtt attributes
  std::string deletion_policy;        // "", "Retain", "Delete", "Snapshot"
  std::string update_replace_policy;  // "", "Retain", ...
  Timestamp updated{};
};

// An operation whose outcome is decided but not yet visible.
struct PendingOperation {
  Timestamp reveal_at{};
  std::string final_status;
  std::string final_reason;
  std::vector<StackEvent> events;     // appended to the stack's events at reveal
  bool delete_when_revealed = false;  // a finished DeleteStack
};

struct Stack {
  std::string id;  // arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>
  std::string name;
  std::string description;
  Value template_body;        // parsed template (long form)
  std::string template_text;  // the body as submitted (GetTemplate Original)
  std::vector<CfnParameter> parameters;
  std::string status;
  std::string reason;
  std::vector<CfnOutput> outputs;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> capabilities;
  std::vector<std::string> notification_arns;
  bool termination_protection = false;
  bool disable_rollback = false;
  std::string stack_policy;  // JSON text; empty for none
  std::string parent_id;     // nested stacks only
  std::string root_id;
  Timestamp creation_time{};
  std::optional<Timestamp> last_updated_time;
  std::optional<Timestamp> deletion_time;
  std::vector<StackEvent> events;        // oldest first
  std::vector<StackResource> resources;  // in creation order
  std::optional<PendingOperation> pending;
  std::vector<std::string> client_request_tokens;
  std::vector<std::string> imports;  // export names its template imports

  StackResource* FindResource(std::string_view logical_id);
  const StackResource* FindResource(std::string_view logical_id) const;
  // The status as callers see it: the pending status while in progress.
  bool InProgress() const { return pending.has_value(); }
};

struct ChangeSet {
  std::string id;  // arn:aws:cloudformation:<region>:<account>:changeSet/<name>/<uuid>
  std::string name;
  std::string stack_id;
  std::string stack_name;
  std::string type;    // CREATE, UPDATE, IMPORT
  std::string status;  // CREATE_COMPLETE, FAILED, ...
  std::string status_reason;
  std::string execution_status;  // AVAILABLE, UNAVAILABLE, EXECUTE_COMPLETE, OBSOLETE
  std::string description;
  Value template_body;
  std::string template_text;
  std::vector<CfnParameter> parameters;  // resolved values
  Value given_parameters;                // the request's Parameters list
  std::vector<std::string> capabilities;
  std::vector<std::pair<std::string, std::string>> tags;
  Value resources_to_import;  // list of {ResourceType, LogicalResourceId,
                              // ResourceIdentifier}
  Value changes;              // list of Change shapes
  Timestamp creation_time{};
};

struct CfnExport {
  std::string name;
  std::string value;
  std::string stack_id;
};

class CfnStore {
 public:
  // Live (not deleted) stack by name or id; deleted stacks by id only.
  Stack* Find(std::string_view name_or_id);
  const Stack* Find(std::string_view name_or_id) const;
  // Live stack with exactly this name; nullptr when none.
  Stack* FindLive(std::string_view name);
  Stack& Add(Stack stack);
  // Moves a live stack to the deleted list (status DELETE_COMPLETE).
  void MarkDeleted(std::string_view id, Timestamp now);

  // The stack and resource that own a physical id now; nullptr when none.
  std::pair<Stack*, StackResource*> FindByPhysicalId(std::string_view physical_id);

  // Lists keep references stable while stacks are added (nested stacks).
  std::list<Stack>& stacks() { return stacks_; }
  const std::list<Stack>& stacks() const { return stacks_; }
  const std::list<Stack>& deleted_stacks() const { return deleted_; }

  // Exports of live stacks, by name.
  const CfnExport* FindExport(std::string_view name) const;
  std::vector<CfnExport> Exports() const;
  // Stacks (names) importing `export_name`.
  std::vector<std::string> Importers(std::string_view export_name) const;

  std::vector<ChangeSet>& change_sets() { return change_sets_; }
  ChangeSet* FindChangeSet(std::string_view name_or_id, std::string_view stack);

  // Reveals every pending operation whose time has come; returns how many.
  int RevealDue(Timestamp now);

  Value Dump() const;
  Result<void> Load(const Value& state);
  void Reset();

 private:
  std::list<Stack> stacks_;
  std::list<Stack> deleted_;
  std::vector<ChangeSet> change_sets_;
};

// Seeding (the fixture seeder): see SeedStack.
struct SeedStackSpec {
  std::string name;                                             // exact stack name from the fixture
  Value template_body;                                          // parsed template
  std::vector<std::pair<std::string, std::string>> parameters;  // as deployed
  std::string description;
  std::map<std::string, std::string> physical_ids;  // logical id -> physical id to use instead of a
                                                    // generated one
  std::string parent_name;           // empty for a root stack; else the parent's name
                                     // (seeded earlier)
  std::string logical_id_in_parent;  // the parent's AWS::CloudFormation::Stack
                                     // resource this stack is
  std::string stack_id;              // pinned stack ARN when known (fixture outputs), else
                                     // generated
};
// Creates the stack directly in CREATE_COMPLETE (stateful resources created in
// the stores, events recorded), WITHOUT creating children for its
// AWS::CloudFormation::Stack resources (those stay physical-id-less until the
// child is seeded with parent_name/logical_id_in_parent, which links them).
// Implemented in cfn/stacks.cc.
SimResult<std::string> SeedStack(World& world, const SeedStackSpec& spec);

}  // namespace flightplan::cloudsim

#endif  // FLIGHTPLAN_CLOUDSIM_STORES_CFN_STORE_H_
