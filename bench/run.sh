#!/usr/bin/env bash
# Side-by-side benchmark: Holdfast, restic, kopia and borg on the same dataset, in one run, same machine.
# Steps per tool: initial backup (v1), no-change backup (v1 again), incremental backup (after the v2
# changes), full restore of the latest snapshot. Per step: wall time, CPU seconds (user + system,
# children included) and peak RSS from /usr/bin/time; repository size from du. Prints tables of
# ratios (peer / Holdfast: > 1 means Holdfast is faster or smaller) and the load average, because
# wall ratios move with load while CPU seconds and RSS do not.
#   bench/run.sh [--gib 2] [--out bench/out] [--cores 0-1]
# Peers come from bench/prepare.sh (restic, borg from Debian; kopia v0.21.1 built once and cached).
# Settings: restic's defaults (repository v2, compression auto); kopia's default policy (its
# default compression is none, splitter DYNAMIC-4M-BUZHASH, and snapshot create may run quick
# maintenance, as it does for users); borg repokey-blake2 with zstd,3; Holdfast's defaults. The page
# cache is warm for every tool alike (this machine cannot drop caches).
set -euo pipefail
cd "$(dirname "$0")/.."
GIB=2; OUT=bench/out; CORES=""
while [ $# -gt 0 ]; do case "$1" in --gib) GIB=$2; shift 2;; --out) OUT=$2; shift 2;; --cores) CORES=$2; shift 2;; *) echo "unknown $1"; exit 2;; esac; done
KOPIA=$(bash bench/prepare.sh | tail -1)
npm run build >/dev/null
mkdir -p "$OUT"; W=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench-XXXX"); trap 'rm -rf "$W"' EXIT
DATA="$W/data"; echo "generating ${GIB} GiB dataset in $DATA"
node --import tsx bench/gen-dataset.ts "$DATA" --gib "$GIB"
export RESTIC_PASSWORD=bench-pw BORG_PASSPHRASE=bench-pw HOLDFAST_PASSWORD=bench-pw KOPIA_PASSWORD=bench-pw KOPIA_CHECK_FOR_UPDATES=false \
  BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
PIN=(); [ -n "$CORES" ] && PIN=(taskset -c "$CORES")
HF=(node "$PWD/dist/cli/main.js")
KO=("$KOPIA" --config-file "$W/kopia.config")
RES="$OUT/results.tsv"; : > "$RES"
echo -e "load\tstart\t$(cut -d' ' -f1-3 /proc/loadavg)\t0\t0" >> "$RES"
measure() { # tool step command...
  local tool=$1 step=$2; shift 2
  "${PIN[@]}" /usr/bin/time -f "%e %U %S %M" -o "$W/t" "$@" >"$W/log.$tool.$step" 2>&1 || { echo "$tool $step failed:"; tail -5 "$W/log.$tool.$step"; exit 1; }
  read -r secs user sys kb < "$W/t"; echo -e "$tool\t$step\t$secs\t$(echo "$user + $sys" | bc)\t$kb" | tee -a "$RES"
}
"${HF[@]}" repo init --repo "$W/holdfast" >/dev/null
restic init --repo "$W/restic" >/dev/null
"${KO[@]}" repository create filesystem --path "$W/kopia" --cache-directory "$W/kopia-cache" >/dev/null 2>&1
borg init -e repokey-blake2 "$W/borg" >/dev/null 2>&1
backups() { # step borg-archive
  measure holdfast "$1" "${HF[@]}" backup "$DATA" --repo "$W/holdfast"
  measure restic "$1" restic backup --repo "$W/restic" "$DATA"
  measure kopia "$1" "${KO[@]}" snapshot create "$DATA"
  measure borg "$1" borg create --compression zstd,3 "$W/borg::$2" "$DATA"
}
backups initial v1
backups nochange v1b
node --import tsx bench/gen-dataset.ts "$DATA" --gib "$GIB" --version 2
backups incremental v2
root=$("${KO[@]}" snapshot list "$DATA" --json | node -e "console.log(JSON.parse(require('fs').readFileSync(0, 'utf8')).at(-1).rootEntry.obj)")
measure holdfast restore "${HF[@]}" restore latest --repo "$W/holdfast" --target "$W/r-holdfast"
measure restic restore restic restore latest --repo "$W/restic" --target "$W/r-restic"
measure kopia restore "${KO[@]}" snapshot restore "$root" "$W/r-kopia"
mkdir -p "$W/r-borg"; measure borg restore sh -c "cd '$W/r-borg' && borg extract '$W/borg::v2'"
for t in holdfast restic kopia borg; do echo -e "$t\tsize\t$(du -sb "$W/$t" | cut -f1)\t0\t0" >> "$RES"; done
echo -e "load\tend\t$(cut -d' ' -f1-3 /proc/loadavg)\t0\t0" >> "$RES"
diff -r "$DATA" "$W/r-holdfast${DATA}" >/dev/null 2>&1 || diff -r "$DATA" "$W/r-holdfast" >/dev/null || { echo "holdfast restore differs from the source"; exit 1; }
diff -r "$DATA" "$W/r-kopia" >/dev/null || { echo "kopia restore differs from the source"; exit 1; }
node --import tsx bench/report.ts "$RES" "$GIB" | tee "$OUT/table.md"
