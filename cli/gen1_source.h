// Where `generate` and `assess` read the Gen1 project from: a local project
// folder (--gen1 DIR) or a deployed environment (--app-id ID --env ENV
// [--region R] [--profile P]), whose #current-cloud-backend.zip is unpacked
// into a temporary folder (steps/migration/cloud_backend.h) that lives as
// long as the Gen1Source and is removed with it.
#ifndef FLIGHTPLAN_CLI_GEN1_SOURCE_H_
#define FLIGHTPLAN_CLI_GEN1_SOURCE_H_

#include <filesystem>
#include <optional>
#include <string>

#include "cli/command.h"
#include "cli/context.h"
#include "steps/amplify/gen1_project.h"

namespace flightplan::cli {

class Gen1Source {
 public:
  Gen1Source() = default;
  ~Gen1Source();
  Gen1Source(const Gen1Source&) = delete;
  Gen1Source& operator=(const Gen1Source&) = delete;

  // Adds --gen1, --env, --app-id, --region and --profile.
  void AddOptions(CLI::App& sub);

  // Loads the project the options name (with `print_notes`, printing its
  // warnings and approximate facts to stderr). On failure prints the error and returns the exit
  // code: 2 for options that name no project (or both kinds), 2 for a local project that cannot be
  // read; for the cloud as the phase commands: 1 when the app, environment, bucket or zip is
  // missing, or the zip is corrupt.
  std::optional<int> Load(Context& ctx, amplify::Gen1Project& out, bool print_notes);

 private:
  std::string gen1_;
  std::string env_;
  std::string app_id_;
  std::string region_;
  std::string profile_;
  std::filesystem::path temp_;  // the cloud project's folder, removed on destruction
};

}  // namespace flightplan::cli

#endif  // FLIGHTPLAN_CLI_GEN1_SOURCE_H_
