#!/usr/bin/env bash
# flightplan's main job: the migration of a Gen1 app to Gen2, start to
# finish, against the local cloud (flightplan-cloudsim seeded with the
# backend-only fixture app: its deployed stacks, tables holding items, a user
# pool, a bucket, the Amplify app). Every phase runs as a user would run it:
#
#   plan → lock → backup → clone (the rehearsal) → generate, deploy and
#   refactor the clone → generate and deploy production's Gen2 branch →
#   refactor production, killed with SIGKILL in the middle and resumed →
#   shift the custom domain → clean up the rehearsal → decommission Gen1
#
# printing the flight plan at the start and at the end, the data counts
# before and after (read with the AWS CLI, not from flightplan), and the
# audit. Installs the dependencies (apt, and `npm ci` of the pinned Gen2
# toolchain), builds, and works in a temporary directory; nothing outside it
# is touched. A few minutes on 2 cores; the toolchain install is cached.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

./scripts/install-deps.sh
toolchain="$root/tests/gen2-toolchain"
lock_sum=$(sha256sum "$toolchain/package-lock.json" | cut -d' ' -f1)
stamp="$toolchain/node_modules/.flightplan-lock-sha256"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
  command -v npm >/dev/null || { echo "demo: the Gen2 toolchain needs Node.js 20 and npm" >&2; exit 1; }
  (cd "$toolchain" && npm ci --no-audit --no-fund)
  echo "$lock_sum" > "$stamp"
fi
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" --target flightplan flightplan-cloudsim
bin="$root/build/release/cli/flightplan"
sim="$root/build/release/cloudsim/flightplan-cloudsim"
app="$root/tests/data/fixtures/amplify-migration-apps/backend-only"

work=$(mktemp -d)
sim_pid=""
finish() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap finish EXIT
cd "$work"
export HOME="$work"  # the per-run logs stay in the demo directory
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Each stack operation stays in progress for 300 ms, as on AWS (slower there),
# so the refactor below has a middle to be killed in.
"$sim" --port 0 --port-file "$work/sim.port" --seed "$app" --operation-delay-ms 300 \
  >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/sim.port" ] && break; sleep 0.1; done
[ -s "$work/sim.port" ] || { cat "$work/sim.log"; echo "the simulator did not start" >&2; exit 1; }
port=$(cat "$work/sim.port")
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIDFLIGHTPLANSIM AWS_SECRET_ACCESS_KEY=flightplan-cloudsim-secret-key

state="$work/migration.db"
fp() { "$bin" --state "$state" --operator demo "$@"; }
prod=(--app-id backendonly --env main)
rehearsal=(--app-id backendonly --env rehearse)

# Production's data, counted through the AWS CLI (an independent client).
counts() {
  local tables pools buckets
  tables=$(aws dynamodb list-tables --query 'TableNames' --output text | tr '\t' '\n' | grep -- '-main$' || true)
  for t in $tables; do
    printf '  table  %-55s %s items\n' "$t" "$(aws dynamodb scan --table-name "$t" --select COUNT --query Count)"
  done
  pools=$(aws cognito-idp list-user-pools --max-results 60 --query 'UserPools[?ends_with(Name, `-main`)].Id' --output text)
  for p in $pools; do
    printf '  pool   %-55s %s users\n' "$p" "$(aws cognito-idp list-users --user-pool-id "$p" --query 'length(Users)')"
  done
  buckets=$(aws s3api list-buckets --query 'Buckets[?ends_with(Name, `-main`)].Name' --output text)
  for b in $buckets; do
    printf '  bucket %-55s %s objects\n' "$b" "$(aws s3api list-objects-v2 --bucket "$b" --query 'length(Contents || `[]`)')"
  done
}
command -v aws >/dev/null || { echo "demo: the AWS CLI reads the data counts; install-deps.sh installs it" >&2; exit 1; }

say "1. the local cloud, seeded with a Gen1 app; flightplan doctor checks the access to it"
cat "$work/sim.log"
fp doctor

say "2. the flight plan at the start"
fp plan "${prod[@]}"

say "3. production's data before the migration (AWS CLI)"
pool=$(aws cognito-idp list-user-pools --max-results 60 --query 'UserPools[?ends_with(Name, `-main`)].Id | [0]' --output text)
for u in ada grace linus; do
  aws cognito-idp admin-create-user --user-pool-id "$pool" --username "$u@example.com" >/dev/null
done
bucket=$(aws s3api list-buckets --query 'Buckets[?ends_with(Name, `-main`) && !contains(Name, `deployment`)].Name | [0]' --output text)
echo "a photo" > photo.jpg
aws s3api put-object --bucket "$bucket" --key public/photo.jpg --body photo.jpg >/dev/null
counts | tee before.txt

say "4. lock production: Retain + deletion protection on every stateful resource, a deny-update stack policy"
fp lock --yes "${prod[@]}"

say "5. back up every table"
fp backup --yes "${prod[@]}"

say "6. clone production into the rehearsal environment 'rehearse' (its own tables, pool, bucket), locked"
fp clone --yes "${prod[@]}" --clone-env rehearse

say "7. the rehearsal: generate Gen2 from the clone (from the cloud), deploy it to branch gen2rehearse, refactor the clone"
fp generate "${rehearsal[@]}" --out gen2-rehearse --branch gen2rehearse --verify --toolchain "$toolchain"
"$sim" deploy-gen2 --url "$AWS_ENDPOINT_URL" --project gen2-rehearse --app-id backendonly \
  --branch gen2rehearse --commit c0ffee1
fp refactor --yes "${rehearsal[@]}" --to-branch gen2rehearse --project gen2-rehearse

say "8. production: generate Gen2, deploy it to branch gen2main"
fp generate "${prod[@]}" --out gen2-main --branch gen2main --verify --toolchain "$toolchain"
"$sim" deploy-gen2 --url "$AWS_ENDPOINT_URL" --project gen2-main --app-id backendonly \
  --branch gen2main --commit c0ffee2

say "9. refactor production — killed with SIGKILL while it moves the resources"
# The binary itself in the background (not through fp(), whose subshell
# would take the signal instead).
"$bin" --state "$state" --operator demo refactor --yes "${prod[@]}" --to-branch gen2main \
  --project gen2-main > refactor.log 2>&1 &
pid=$!
for _ in $(seq 600); do
  grep -q 'step move' refactor.log 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
cat refactor.log
echo "(killed process $pid with SIGKILL)"
fp status

say "10. the same command again: each step asks the cloud where every resource is, and the refactor finishes"
fp refactor --yes "${prod[@]}" --to-branch gen2main --project gen2-main

say "11. shift: the custom domain moves from the Gen1 branch to gen2main"
aws amplify create-domain-association --app-id backendonly --domain-name example.com \
  --sub-domain-settings prefix=www,branchName=main prefix=,branchName=main >/dev/null
fp shift --yes "${prod[@]}" --to-branch gen2main
aws amplify get-domain-association --app-id backendonly --domain-name example.com \
  --query 'domainAssociation.subDomains[].subDomainSetting' --output text

say "12. cleanup: the rehearsal environments are deleted, after proving none of it is production's"
fp cleanup --yes "${prod[@]}" --clone-env rehearse

say "13. decommission: Gen1 production is deleted; every stateful resource is retained and checked afterwards"
fp decommission --yes "${prod[@]}"

say "14. the flight plan at the end"
fp plan "${prod[@]}"

say "15. production's data after the migration (AWS CLI), beside before"
counts | tee after.txt
if diff -u before.txt after.txt; then echo "(the same: nothing lost)"; else echo "DATA DIFFERS" >&2; exit 1; fi
echo "-- who owns the user pool now:"
aws cloudformation describe-stack-resources --physical-resource-id "$pool" \
  --query 'StackResources[0].StackName' --output text

say "16. the audit: who did what, when — and the chain verifies"
fp history | tail -n 30
fp audit verify
