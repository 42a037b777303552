#!/usr/bin/env bash
# Side-by-side benchmark: Holdfast, restic and borg on the same dataset, in one run, same machine.
# Steps per tool: init, initial backup (v1), incremental backup (after v2 changes), full restore.
# Measures wall time and peak RSS (/usr/bin/time), repository size (du). Prints a table of ratios
# (peer time / Holdfast time: > 1 means Holdfast is faster).
#   bench/run.sh [--gib 2] [--out bench/out]
# Needs: restic, borgbackup, time (Debian); installs them when missing. Page cache is warm for
# every tool alike (this machine cannot drop caches), so it compares CPU and I/O-path cost.
set -euo pipefail
cd "$(dirname "$0")/.."
GIB=2; OUT=bench/out
while [ $# -gt 0 ]; do case "$1" in --gib) GIB=$2; shift 2;; --out) OUT=$2; shift 2;; *) echo "unknown $1"; exit 2;; esac; done
for p in restic borgbackup time; do dpkg -s "$p" >/dev/null 2>&1 || { apt-get update -qq; apt-get install -y -qq "$p" >/dev/null; }; done
[ -f dist/cli/main.js ] || npm run build >/dev/null
mkdir -p "$OUT"; W=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench-XXXX"); trap 'rm -rf "$W"' EXIT
DATA="$W/data"; echo "generating ${GIB} GiB dataset in $DATA"
node --import tsx bench/gen-dataset.ts "$DATA" --gib "$GIB"
cp -a "$DATA" "$W/v1-copy" 2>/dev/null || true
export RESTIC_PASSWORD=bench-pw BORG_PASSPHRASE=bench-pw HOLDFAST_PASSWORD=bench-pw BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
HF="node $PWD/dist/cli/main.js"
RES="$OUT/results.tsv"; : > "$RES"
measure() { # tool step command...
  local tool=$1 step=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$W/t" "$@" >"$W/log.$tool.$step" 2>&1 || { echo "$tool $step failed:"; tail -5 "$W/log.$tool.$step"; exit 1; }
  read -r secs kb < "$W/t"; echo -e "$tool\t$step\t$secs\t$kb" | tee -a "$RES"
}
$HF repo init --repo "$W/hf" >/dev/null
restic init --repo "$W/restic" >/dev/null
borg init -e repokey-blake2 "$W/borg" >/dev/null 2>&1
measure holdfast initial $HF backup "$DATA" --repo "$W/hf"
measure restic initial restic backup --repo "$W/restic" "$DATA"
measure borg initial borg create --compression zstd,3 "$W/borg::v1" "$DATA"
node --import tsx bench/gen-dataset.ts "$DATA" --gib "$GIB" --version 2
measure holdfast incremental $HF backup "$DATA" --repo "$W/hf"
measure restic incremental restic backup --repo "$W/restic" "$DATA"
measure borg incremental borg create --compression zstd,3 "$W/borg::v2" "$DATA"
measure holdfast restore $HF restore latest --repo "$W/hf" --target "$W/r-hf"
measure restic restore restic restore latest --repo "$W/restic" --target "$W/r-restic"
mkdir -p "$W/r-borg"; measure borg restore sh -c "cd '$W/r-borg' && borg extract '$W/borg::v2'"
for t in hf restic borg; do echo -e "${t/hf/holdfast}\tsize\t$(du -sb "$W/$t" | cut -f1)\t0" >> "$RES"; done
diff -r "$DATA" "$W/r-hf${DATA}" >/dev/null 2>&1 || diff -r "$DATA" "$W/r-hf" >/dev/null || { echo "holdfast restore differs from the source"; exit 1; }
node --import tsx bench/report.ts "$RES" "$GIB" | tee "$OUT/table.md"
