// generate_bench: how long reading a Gen1 project and generating its Gen2
// backend takes, for each fixture app and for a synthetic project scaled up
// from one (cloned functions and DynamoDB tables, extra models) to 200
// models, 40 functions and 10 tables, at a quarter, half and full size, to
// show how it scales.
//
// Judged by: milliseconds per project beside the size of the project; the
// limit it is compared to is human — a command a person waits for should
// answer within a second — so the summary prints the full-size figure beside
// that 1,000 ms budget. Not run by CTest.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "base/file_io.h"
#include "steps/amplify/gen1_project.h"
#include "steps/amplify/generate.h"

namespace flightplan::bench {
namespace {

namespace fs = std::filesystem;

const char* kApps[] = {"backend-only", "discussions", "fitness-tracker", "media-vault",
                       "product-catalog"};

fs::path FixtureDir(const std::string& app) {
  return fs::path(FLIGHTPLAN_SOURCE_DIR) / "tests/data/fixtures/amplify-migration-apps" / app;
}

std::string Slurp(const fs::path& p) { return ReadFile(p).value_or(std::string()); }

void Spit(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

// Copies every file under `from` to `to`, renaming `name` to `clone` in
// paths and contents.
void CloneTree(const fs::path& from, const fs::path& to, const std::string& name,
               const std::string& clone) {
  if (!fs::exists(from)) return;
  for (const auto& entry : fs::recursive_directory_iterator(from)) {
    if (!entry.is_regular_file()) continue;
    std::string rel = ReplaceAll(fs::relative(entry.path(), from).string(), name, clone);
    Spit(to / rel, ReplaceAll(Slurp(entry.path()), name, clone));
  }
}

// Duplicates the JSON members whose key contains `name` in `file`'s
// category maps, renamed; text-level, since the files are plain JSON maps.
void CloneJsonEntries(const fs::path& file, const std::string& name, int copies) {
  if (!fs::exists(file)) return;
  auto doc = Value::FromJson(Slurp(file));
  if (!doc || !doc->is_map()) return;
  Value out = *doc;
  for (auto& [category, entries] : doc->as_map()) {
    if (!entries.is_map()) continue;
    for (const auto& [key, entry] : entries.as_map()) {
      if (key.find(name) == std::string::npos) continue;
      for (int i = 0; i < copies; ++i) {
        std::string clone = name + "x" + std::to_string(i);
        auto copied = Value::FromJson(ReplaceAll(entry.ToJson(), name, clone));
        if (copied) out.as_map()[category].Set(ReplaceAll(key, name, clone), *copied);
      }
    }
  }
  Spit(file, out.ToJson());
}

// A copy of `discussions` grown to `models` models, `functions` functions and
// `tables` storage DynamoDB tables.
fs::path SyntheticProject(int models, int functions, int tables) {
  fs::path root =
      fs::temp_directory_path() /
      ("flightplan-generate-bench-" + std::to_string(getpid()) + "-" + std::to_string(models));
  fs::remove_all(root);
  fs::copy(FixtureDir("discussions"), root, fs::copy_options::recursive);
  struct Clone {
    std::string category;
    std::string name;
    int copies;
  };
  for (const Clone& c : {Clone{"function", "fetchuseractivity", functions - 2},
                         Clone{"storage", "activity", tables - 1}}) {
    for (int i = 0; i < c.copies; ++i) {
      std::string clone = c.name + "x" + std::to_string(i);
      for (const char* area : {"amplify/backend", "amplify/#current-cloud-backend"}) {
        CloneTree(root / area / c.category / c.name, root / area / c.category / clone, c.name,
                  clone);
      }
    }
    for (const char* file :
         {"amplify/backend/backend-config.json", "amplify/backend/amplify-meta.json",
          "amplify/#current-cloud-backend/backend-config.json",
          "amplify/#current-cloud-backend/amplify-meta.json"}) {
      CloneJsonEntries(root / file, c.name, c.copies);
    }
  }
  fs::path schema = root / "amplify/backend/api/discussions/schema.graphql";
  std::string text = Slurp(schema);
  for (int i = 0; i < models - 3; ++i) {
    text += "\ntype Extra" + std::to_string(i) +
            " @model @auth(rules: [{allow: private}]) {\n  id: ID!\n  name: String\n  count: "
            "Int\n}\n";
  }
  Spit(schema, text);
  return root;
}

struct Figure {
  double ms = 0;
  size_t files = 0;
  size_t bytes = 0;
};
std::map<std::string, Figure> g_figures;

void Measure(benchmark::State& state, const fs::path& dir, const std::string& label) {
  Figure figure;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    auto project = amplify::LoadGen1Project(dir);
    if (!project) {
      state.SkipWithError(project.error().ToString().c_str());
      return;
    }
    auto files = amplify::GenerateGen2(*project, amplify::GenerateOptions{});
    if (!files) {
      state.SkipWithError(files.error().ToString().c_str());
      return;
    }
    figure.ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    figure.files = files->size();
    figure.bytes = 0;
    for (const auto& [path, content] : *files) figure.bytes += content.size();
    benchmark::DoNotOptimize(files);
  }
  state.counters["files"] = static_cast<double>(figure.files);
  g_figures[label] = figure;
}

void BM_GenerateFixture(benchmark::State& state) {
  std::string app = kApps[state.range(0)];
  state.SetLabel(app);
  Measure(state, FixtureDir(app), app);
}
BENCHMARK(BM_GenerateFixture)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);

void BM_GenerateSynthetic(benchmark::State& state) {
  int scale = static_cast<int>(state.range(0));  // quarters of full size
  int models = 200 * scale / 4, functions = 40 * scale / 4, tables = 10 * scale / 4;
  std::string label = std::to_string(models) + " models, " + std::to_string(functions) +
                      " functions, " + std::to_string(tables) + " tables";
  state.SetLabel(label);
  fs::path dir = SyntheticProject(models, functions, tables);
  Measure(state, dir, label);
  fs::remove_all(dir);
}
BENCHMARK(BM_GenerateSynthetic)->Arg(1)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace flightplan::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  std::printf("\ngenerate: read the Gen1 project and generate the Gen2 backend (one pass)\n");
  for (const auto& [label, f] : flightplan::bench::g_figures) {
    std::printf("  %-44s %8.1f ms   %3zu files, %7zu bytes\n", label.c_str(), f.ms, f.files,
                f.bytes);
  }
  auto full = flightplan::bench::g_figures.find("200 models, 40 functions, 10 tables");
  if (full != flightplan::bench::g_figures.end()) {
    std::printf(
        "  full synthetic size: %.1f ms   budget 1000 ms (a command a person waits "
        "for)   %s\n",
        full->second.ms, full->second.ms <= 1000 ? "MET" : "NOT MET");
  }
  benchmark::Shutdown();
  return 0;
}
