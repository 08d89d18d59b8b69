#include "base/yaml_bounds.h"

#include <fmt/format.h>
#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <vector>

namespace flightplan {
namespace {

// Thrown from the event handler to stop yaml-cpp's parser at the first node
// past the bound; caught in CheckYamlNodeCount, never escapes it.
struct BoundPassed {};

class NodeCounter final : public YAML::EventHandler {
 public:
  explicit NodeCounter(size_t max_nodes) : max_nodes_(max_nodes) {}

  const std::optional<YamlBoundsProblem>& problem() const { return problem_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { Leaf(mark, anchor); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    Leaf(mark, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    uint64_t size = anchor < sizes_.size() ? sizes_[anchor] : 1;
    if (size == kStillOpen) {
      Refuse(mark, "an alias inside the node its anchor names makes the document endless");
    }
    Add(mark, size);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnMapEnd() override { Close(); }

 private:
  // The size of an anchored collection whose end has not been read yet.
  static constexpr uint64_t kStillOpen = 0;

  struct OpenCollection {
    YAML::anchor_t anchor;
    uint64_t count_before;
  };

  void Leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    Add(mark, 1);
    Remember(anchor, 1);
  }
  void Open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    open_.push_back({anchor, count_});
    Remember(anchor, kStillOpen);
    Add(mark, 1);
  }
  void Close() {
    if (open_.empty()) return;
    OpenCollection done = open_.back();
    open_.pop_back();
    Remember(done.anchor, count_ - done.count_before);
  }
  void Remember(YAML::anchor_t anchor, uint64_t size) {
    if (anchor == YAML::NullAnchor) return;
    if (anchor >= sizes_.size()) sizes_.resize(anchor + 1, 1);
    sizes_[anchor] = size;
  }
  void Add(const YAML::Mark& mark, uint64_t nodes) {
    // A remembered size is at most the bound, so the count stays below twice
    // the bound and cannot overflow.
    count_ += nodes;
    if (count_ <= max_nodes_) return;
    Refuse(mark, fmt::format("the document has more than {} nodes once its aliases are expanded "
                             "(an alias '*name' repeats every node of the anchor '&name')",
                             max_nodes_));
  }
  [[noreturn]] void Refuse(const YAML::Mark& mark, std::string what) {
    problem_ = YamlBoundsProblem{{mark.line + 1, mark.column + 1}, std::move(what)};
    throw BoundPassed{};
  }

  uint64_t max_nodes_;
  uint64_t count_ = 0;
  std::vector<OpenCollection> open_;
  // By anchor id: the nodes its node holds, itself included (kStillOpen
  // until the node ends).
  std::vector<uint64_t> sizes_;
  std::optional<YamlBoundsProblem> problem_;
};

}  // namespace

std::optional<YamlBoundsProblem> CheckYamlNodeCount(std::string_view text, size_t max_nodes) {
  std::istringstream in{std::string(text)};
  NodeCounter counter(max_nodes);
  try {
    YAML::Parser parser(in);
    parser.HandleNextDocument(counter);
  } catch (const BoundPassed&) {
  } catch (const YAML::Exception&) {
    // A syntax error: YAML::Load reports it with its own position.
  }
  return counter.problem();
}

}  // namespace flightplan
