#!/usr/bin/env bash
# Runs a libFuzzer target for a bounded time over its committed seed corpus. New interesting
# inputs go to a scratch corpus in the build tree, never into the source tree.
#   run.sh FUZZER SEED_DIR SCRATCH_DIR SECONDS [MAX_LEN]
set -euo pipefail
fuzzer=$1 seeds=$2 scratch=$3 seconds=$4 max_len=${5:-4096}
mkdir -p "$scratch"
exec "$fuzzer" -artifact_prefix="$scratch/" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$scratch" "$seeds"
