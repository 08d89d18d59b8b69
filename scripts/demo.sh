#!/usr/bin/env bash
# flightplan's main job, for now: the example workflow run, interrupted with
# SIGKILL in the middle of a step, resumed, rolled back, and the audit shown;
# then the local cloud (flightplan-cloudsim) seeded with a fixture app, which
# `flightplan doctor` checks and `flightplan assess` reads; `flightplan plan`
# shows where the migration stands, `flightplan drift` finds it clean,
# `flightplan lock` protects the
# environment (dry run first, then for real, checked with the AWS CLI); the
# generate workflow turns a git copy of the app into its Gen2 backend; then
# both are rolled back. Installs the dependencies and builds first. Everything happens in a
# temporary directory; nothing outside it is touched.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

./scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" --target flightplan flightplan-cloudsim
fp="$root/build/release/cli/flightplan"
sim="$root/build/release/cloudsim/flightplan-cloudsim"
app="$root/tests/data/fixtures/amplify-migration-apps/backend-only"

work=$(mktemp -d)
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
export HOME="$work"  # the per-run logs stay in the demo directory
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "1. run the example workflow; it is killed (SIGKILL) while its build step runs"
"$fp" run example --param site=demo --yes &
pid=$!
sleep 1
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
echo "(killed process $pid in the middle of the build step)"

say "2. status: the build step is in doubt"
"$fp" status 1

say "3. resume: the build step's check says it did not happen, so it runs again"
"$fp" resume --yes

say "4. the files it made"
cat site.json; echo
cat build.log
cat published.txt; echo

say "5. roll the run back, step by step"
"$fp" rollback 1
ls
cat build.log

say "6. the audit: who did what, when"
"$fp" history

say "7. the audit chain verifies"
"$fp" audit verify

say "8. the local cloud: flightplan-cloudsim seeded with the backend-only fixture app"
"$sim" --port 0 --port-file "$work/sim.port" --seed "$app" >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/sim.port" ] && break; sleep 0.1; done
[ -s "$work/sim.port" ] || { cat "$work/sim.log"; echo "the simulator did not start" >&2; exit 1; }
port=$(cat "$work/sim.port")
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIDFLIGHTPLANSIM AWS_SECRET_ACCESS_KEY=flightplan-cloudsim-secret-key
cat "$work/sim.log"

say "9. flightplan doctor, against the simulator"
"$fp" doctor

say "10. flightplan assess: how the fixture app will migrate"
"$fp" assess --gen1 "$app"

state="$work/migration.db"
say "11. flightplan plan: the nine steps of the migration, and the next command"
"$fp" --state "$state" plan --app-id backendonly --env main

say "12. flightplan drift: CloudFormation, template and local drift (exit 0: clean)"
"$fp" --state "$state" drift --app-id backendonly --env main

say "13. flightplan lock --dry-run: every change set it would execute; nothing changes"
"$fp" --state "$state" --dry-run lock --app-id backendonly --env main

say "14. flightplan lock: Retain + deletion protection on every stateful resource, a deny-update stack policy"
"$fp" --state "$state" lock --app-id backendonly --env main
if command -v aws >/dev/null; then
  echo "-- the root stack's policy, read with the AWS CLI:"
  aws cloudformation get-stack-policy --stack-name amplify-backendonly-main-5e0fa \
    --query StackPolicyBody --output text
  echo "-- deletion protection of the model table, read with the AWS CLI:"
  aws dynamodb describe-table --table-name "$(aws dynamodb list-tables --query 'TableNames[?starts_with(@, `Todo-`)] | [0]' --output text)" \
    --query Table.DeletionProtectionEnabled
fi

say "15. flightplan backup: an on-demand backup of every DynamoDB table (rollback keeps them)"
"$fp" --state "$state" backup --app-id backendonly --env main
"$fp" --state "$state" plan --app-id backendonly --env main

say "16. the generate workflow, in a git copy of the fixture app: amplify/ becomes the Gen2 backend"
project="$work/backend-only"
mkdir -p "$project"
cp -r "$app/amplify" "$project/"
printf '{\n  "name": "backend-only-app",\n  "version": "1.0.0"\n}\n' > "$project/package.json"
cd "$project"
git init -q
git -c user.name=demo -c user.email=demo@localhost add -A
git -c user.name=demo -c user.email=demo@localhost commit -qm "the Gen1 project"
"$fp" --state "$state" run generate --param app_id=backendonly --param env=main
find amplify -maxdepth 2 -name '*.ts' | sort
git status --short | sed -n 1,5p; echo "…"

say "17. roll generate back: the Gen1 files are back exactly (git sees no change)"
"$fp" --state "$state" run generate --rollback --param app_id=backendonly --param env=main
git status --short
echo "(git status is empty: byte for byte the committed Gen1 project)"

say "18. roll lock back: every template and the stack policy as they were"
"$fp" --state "$state" lock --app-id backendonly --env main --rollback
"$fp" --state "$state" plan --app-id backendonly --env main
