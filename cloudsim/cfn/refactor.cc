#include "cloudsim/cfn/refactor.h"

#include <fmt/format.h>

#include <algorithm>

#include "cloudsim/cfn/template.h"
#include "steps/aws/wire/refactor_types.h"

namespace flightplan::cloudsim {

namespace {

constexpr size_t kMinStacks = 2;
constexpr size_t kMaxStacks = 5;

const Value* Section(const Value& tmpl, std::string_view name) {
  if (!tmpl.is_map()) return nullptr;
  const Value* v = tmpl.Find(name);
  return v && v->is_map() ? v : nullptr;
}

std::string TypeOf(const Value& tmpl, const std::string& logical_id) {
  const Value* resources = Section(tmpl, "Resources");
  const Value* resource = resources ? resources->Find(logical_id) : nullptr;
  const Value* type = resource && resource->is_map() ? resource->Find("Type") : nullptr;
  return type && type->is_string() ? type->as_string() : std::string();
}

std::set<std::string> ResourceIds(const Value& tmpl) {
  std::set<std::string> out;
  if (const Value* resources = Section(tmpl, "Resources")) {
    for (const auto& [id, resource] : resources->as_map()) out.insert(id);
  }
  return out;
}

// DependsOn names, anywhere below `value` (References covers the rest).
void CollectDependsOn(const Value& value, std::set<std::string>& out) {
  if (value.is_list()) {
    for (const Value& v : value.as_list()) CollectDependsOn(v, out);
    return;
  }
  if (!value.is_map()) return;
  for (const auto& [key, child] : value.as_map()) {
    if (key == "DependsOn") {
      if (child.is_string()) out.insert(child.as_string());
      if (child.is_list()) {
        for (const Value& d : child.as_list()) {
          if (d.is_string()) out.insert(d.as_string());
        }
      }
      continue;
    }
    CollectDependsOn(child, out);
  }
}

// Names a template may refer to: its resources and parameters.
std::set<std::string> Declared(const Value& tmpl) {
  std::set<std::string> out = ResourceIds(tmpl);
  if (const Value* params = Section(tmpl, "Parameters")) {
    for (const auto& [name, p] : params->as_map()) out.insert(name);
  }
  return out;
}

std::string Str(const Value& v, std::string_view key) {
  const Value* f = v.is_map() ? v.Find(key) : nullptr;
  return f && f->is_string() ? f->as_string() : std::string();
}

}  // namespace

bool RefactorRefusesType(std::string_view type) { return aws::StackRefactorRefusesType(type); }

std::set<std::string> ReferencedNames(const Value& value) {
  std::set<std::string> out = cfn::References(value);
  CollectDependsOn(value, out);
  return out;
}

Value RefactorPlan::Actions() const {
  ValueList actions;
  for (const std::string& stack : created_stacks) {
    ValueMap action;
    action["Action"] = "CREATE";
    action["Entity"] = "STACK";
    action["Description"] = fmt::format("Stack {} will be created", stack);
    action["Detection"] = "AUTO";
    actions.emplace_back(std::move(action));
  }
  for (const ResourceMove& move : moves) {
    ValueMap action;
    action["Action"] = "MOVE";
    action["Entity"] = "RESOURCE";
    action["PhysicalResourceId"] = move.physical_id;
    action["Description"] = fmt::format("Resource {} ({}) moves from stack {} to stack {} as {}",
                                        move.source_logical_id, move.type, move.source_stack,
                                        move.destination_stack, move.destination_logical_id);
    action["Detection"] = move.manual ? "MANUAL" : "AUTO";
    if (move.manual) action["DetectionReason"] = "Resource mapping provided";
    ValueMap source, destination, mapping;
    source["StackName"] = move.source_stack;
    source["LogicalResourceId"] = move.source_logical_id;
    destination["StackName"] = move.destination_stack;
    destination["LogicalResourceId"] = move.destination_logical_id;
    mapping["Source"] = Value(std::move(source));
    mapping["Destination"] = Value(std::move(destination));
    action["ResourceMapping"] = Value(std::move(mapping));
    actions.emplace_back(std::move(action));
  }
  return Value(std::move(actions));
}

SimResult<RefactorCheck> PlanStackRefactor(const std::vector<RefactorStack>& stacks,
                                           const Value& resource_mappings,
                                           bool enable_stack_creation) {
  if (stacks.size() < kMinStacks || stacks.size() > kMaxStacks) {
    return tl::unexpected(Validation(
        fmt::format("A stack refactor takes between {} and {} stack definitions; {} given",
                    kMinStacks, kMaxStacks, stacks.size())));
  }
  std::map<std::string, const RefactorStack*> by_name;
  for (const RefactorStack& stack : stacks) {
    if (!by_name.emplace(stack.name, &stack).second) {
      return tl::unexpected(
          Validation(fmt::format("Stack {} is defined more than once", stack.name)));
    }
    if (!stack.exists && !enable_stack_creation) {
      return tl::unexpected(
          Validation(fmt::format("Stack [{}] does not exist. Set EnableStackCreation to create it "
                                 "as part of the refactor",
                                 stack.name)));
    }
    if (!stack.new_template.is_map() || !Section(stack.new_template, "Resources")) {
      return tl::unexpected(Validation(
          fmt::format("Template format error: the template for stack {} has no Resources "
                      "section",
                      stack.name)));
    }
  }

  RefactorCheck check;
  auto fail = [&](std::string reason) -> SimResult<RefactorCheck> {
    check.failure_reason = std::move(reason);
    return check;
  };

  for (const RefactorStack& stack : stacks) {
    if (stack.has_stack_policy) {
      return fail(
          fmt::format("Stack [{}] has a stack policy. Stack refactor does not support "
                      "stacks with a stack policy; remove it and try again",
                      stack.name));
    }
    if (!stack.exists) check.plan.created_stacks.push_back(stack.name);
  }

  // Explicit mappings first.
  struct Key {
    std::string stack, id;
    bool operator<(const Key& o) const { return std::tie(stack, id) < std::tie(o.stack, o.id); }
  };
  std::set<Key> moved_from, moved_to;
  if (resource_mappings.is_list()) {
    for (const Value& mapping : resource_mappings.as_list()) {
      const Value* source = mapping.is_map() ? mapping.Find("Source") : nullptr;
      const Value* destination = mapping.is_map() ? mapping.Find("Destination") : nullptr;
      if (!source || !destination) {
        return tl::unexpected(Validation("Each ResourceMapping needs a Source and a Destination"));
      }
      ResourceMove move;
      move.source_stack = Str(*source, "StackName");
      move.source_logical_id = Str(*source, "LogicalResourceId");
      move.destination_stack = Str(*destination, "StackName");
      move.destination_logical_id = Str(*destination, "LogicalResourceId");
      move.manual = true;
      if (!by_name.count(move.source_stack) || !by_name.count(move.destination_stack)) {
        return tl::unexpected(Validation(
            fmt::format("ResourceMapping {}.{} -> {}.{} names a stack that is not in the "
                        "StackDefinitions",
                        move.source_stack, move.source_logical_id, move.destination_stack,
                        move.destination_logical_id)));
      }
      moved_from.insert({move.source_stack, move.source_logical_id});
      moved_to.insert({move.destination_stack, move.destination_logical_id});
      check.plan.moves.push_back(std::move(move));
    }
  }

  // Inferred moves: removed from one stack, added to another, same id.
  std::map<std::string, std::vector<std::string>> removed, added;  // id -> stacks
  for (const RefactorStack& stack : stacks) {
    std::set<std::string> before =
        stack.exists ? ResourceIds(stack.current_template) : std::set<std::string>();
    std::set<std::string> after = ResourceIds(stack.new_template);
    for (const std::string& id : before) {
      if (!after.count(id) && !moved_from.count({stack.name, id})) {
        removed[id].push_back(stack.name);
      }
    }
    for (const std::string& id : after) {
      if (!before.count(id) && !moved_to.count({stack.name, id})) {
        added[id].push_back(stack.name);
      }
    }
  }
  for (auto& [id, sources] : removed) {
    auto it = added.find(id);
    if (it == added.end() || it->second.empty()) {
      return fail(
          fmt::format("Resource {} is removed from stack [{}] and added to no other stack. "
                      "Stack refactor only moves resources; it cannot delete them",
                      id, sources.front()));
    }
    if (sources.size() > 1 || it->second.size() > 1) {
      return fail(
          fmt::format("Resource {} appears in more than one source or destination stack; "
                      "use ResourceMappings to say which moves where",
                      id));
    }
    ResourceMove move;
    move.source_stack = sources.front();
    move.source_logical_id = id;
    move.destination_stack = it->second.front();
    move.destination_logical_id = id;
    check.plan.moves.push_back(std::move(move));
    added.erase(it);
  }
  for (const auto& [id, destinations] : added) {
    return fail(
        fmt::format("Resource {} is added to stack [{}] but comes from no other stack. "
                    "Stack refactor only moves resources; it cannot create them",
                    id, destinations.front()));
  }

  for (ResourceMove& move : check.plan.moves) {
    const RefactorStack& source = *by_name.at(move.source_stack);
    const RefactorStack& destination = *by_name.at(move.destination_stack);
    auto physical = source.physical_ids.find(move.source_logical_id);
    if (!source.exists || physical == source.physical_ids.end()) {
      return fail(fmt::format("Resource {} does not exist in stack [{}]", move.source_logical_id,
                              move.source_stack));
    }
    move.physical_id = physical->second;
    auto type = source.types.find(move.source_logical_id);
    move.type = type == source.types.end() ? std::string() : type->second;
    if (ResourceIds(source.new_template).count(move.source_logical_id)) {
      return fail(
          fmt::format("Resource {} is moved out of stack [{}] but its new template still "
                      "declares it",
                      move.source_logical_id, move.source_stack));
    }
    std::string new_type = TypeOf(destination.new_template, move.destination_logical_id);
    if (new_type.empty()) {
      return fail(
          fmt::format("Resource {} is mapped to stack [{}] but its new template does not "
                      "declare {}",
                      move.source_logical_id, move.destination_stack, move.destination_logical_id));
    }
    if (new_type != move.type) {
      return fail(fmt::format(
          "Resource {} is of type {} in stack [{}] but of type {} in stack [{}]; "
          "stack refactor cannot change a resource's type",
          move.source_logical_id, move.type, move.source_stack, new_type, move.destination_stack));
    }
    if (RefactorRefusesType(move.type)) {
      return fail(
          fmt::format("Resource {} of type {} cannot be moved: stack refactor does not "
                      "support this resource type",
                      move.source_logical_id, move.type));
    }
  }

  for (const RefactorStack& stack : stacks) {
    if (ResourceIds(stack.new_template).empty()) {
      return fail(
          fmt::format("Stack [{}] would be left without resources. A stack must keep at "
                      "least one resource; delete it after the refactor instead",
                      stack.name));
    }
    if (stack.exists) {
      for (std::string_view section : {"Parameters", "Conditions"}) {
        const Value* before = Section(stack.current_template, section);
        const Value* after = Section(stack.new_template, section);
        bool same = (!before && !after) || (before && after && *before == *after) ||
                    (!before && after && after->as_map().empty()) ||
                    (before && !after && before->as_map().empty());
        if (!same) {
          return fail(
              fmt::format("The {} of stack [{}] change. Stack refactor cannot add, remove "
                          "or modify parameters or conditions",
                          section, stack.name));
        }
      }
    }
    std::set<std::string> declared = Declared(stack.new_template);
    std::set<std::string> dangling;
    for (const char* part : {"Resources", "Outputs"}) {
      if (const Value* section = Section(stack.new_template, part)) {
        for (const std::string& name : ReferencedNames(*section)) {
          if (!declared.count(name)) dangling.insert(name);
        }
      }
    }
    if (!dangling.empty()) {
      std::string names;
      for (const std::string& n : dangling) names += (names.empty() ? "" : ", ") + n;
      return fail(
          fmt::format("Template format error: Unresolved resource dependencies [{}] in the "
                      "template of stack [{}]",
                      names, stack.name));
    }
  }
  return check;
}

}  // namespace flightplan::cloudsim
