#!/usr/bin/env bash
# The whole backup-engine set of issue #16 in one go: bench/run.sh on the synthetic dataset at each
# size x each core set x each repository kind, then the PostgreSQL dataset on each repository kind
# (at the last core set, by default both cores), one run after another; then bench/matrix-report.ts
# prints a table per step across all runs and the peak-RSS check at the smallest vs the largest size.
#   bench/matrix.sh [--sizes "0.5 2"] [--cores "0 0-1"] [--repos "local s3"] [--pg-scale 60]
#                   [--no-postgres] [--out bench/out/matrix]
# Each run keeps its own results.tsv and table.md under --out; the summary is <out>/matrix.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="0.5 2"; CORES="0 0-1"; REPOS="local s3"; PG_SCALE=60; PG=1; OUT=bench/out/matrix
while [ $# -gt 0 ]; do case "$1" in --sizes) SIZES=$2; shift 2;; --cores) CORES=$2; shift 2;; --repos) REPOS=$2; shift 2;;
  --pg-scale) PG_SCALE=$2; shift 2;; --no-postgres) PG=0; shift;; --out) OUT=$2; shift 2;;
  *) echo "bench/matrix.sh: unknown option $1"; exit 2;; esac; done
npm run build >/dev/null
mkdir -p "$OUT"; DIRS=()
run() { # name run.sh-options...
  local name=$1 start=$SECONDS; shift
  echo "== $name: bench/run.sh $* (load $(cut -d' ' -f1 /proc/loadavg))"
  bench/run.sh --no-build --out "$OUT/$name" "$@" >"$OUT/$name.log" 2>&1 || { echo "bench/matrix.sh: $name failed: $(grep '^bench/run.sh' "$OUT/$name.log" | tail -1) (log: $OUT/$name.log)"; exit 1; }
  echo "   took $((SECONDS - start)) s"; DIRS+=("$OUT/$name/results.tsv")
}
for repo in $REPOS; do
  for c in $CORES; do
    for g in $SIZES; do run "synthetic-${g}g-cores${c}-$repo" --dataset synthetic --gib "$g" --cores "$c" --repo "$repo"; done
  done
  if [ "$PG" = 1 ]; then c=${CORES##* }; run "postgres-s${PG_SCALE}-cores${c}-$repo" --dataset postgres --pg-scale "$PG_SCALE" --cores "$c" --repo "$repo"; fi
done
node --import tsx bench/matrix-report.ts "${DIRS[@]}" | tee "$OUT/matrix.md"
