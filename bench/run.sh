#!/usr/bin/env bash
# Side-by-side benchmark: Holdfast, restic, kopia and borg on the same dataset, in one run, same machine.
# Steps per tool: initial backup (v1), no-change backup (v1 again), incremental backup (after the v2
# changes), full restore of the latest snapshot.
# Datasets: `synthetic` (bench/gen-dataset.ts, --gib) or `postgres`: a real PostgreSQL 15 data
# directory (Debian's postgresql) filled by `pgbench -i -s 60` as v1, then 20 s of `pgbench -T 20` as
# the v2 change; the server is stopped before every backup, so each tool reads a consistent directory. Per step: wall time, CPU seconds (user + system,
# children included) and peak RSS from /usr/bin/time; repository size from du. Prints tables of
# ratios (peer / Holdfast: > 1 means Holdfast is faster or smaller) and the load average, because
# wall ratios move with load while CPU seconds and RSS do not.
#   bench/run.sh [--dataset synthetic|postgres] [--gib 2] [--pg-scale 60] [--out bench/out] [--cores 0-1]
# Peers come from bench/prepare.sh (restic, borg from Debian; kopia v0.21.1 built once and cached).
# Settings: restic's defaults (repository v2, compression auto); kopia's default policy (its
# default compression is none, splitter DYNAMIC-4M-BUZHASH, and snapshot create may run quick
# maintenance, as it does for users); borg repokey-blake2 with zstd,3; Holdfast's defaults. The page
# cache is warm for every tool alike (this machine cannot drop caches).
set -euo pipefail
cd "$(dirname "$0")/.."
GIB=2; OUT=bench/out; CORES=""; DATASET=synthetic; PG_SCALE=60
while [ $# -gt 0 ]; do case "$1" in --gib) GIB=$2; shift 2;; --out) OUT=$2; shift 2;; --cores) CORES=$2; shift 2;;
  --dataset) DATASET=$2; shift 2;; --pg-scale) PG_SCALE=$2; shift 2;; *) echo "unknown $1"; exit 2;; esac; done
case "$DATASET" in synthetic|postgres) ;; *) echo "--dataset $DATASET: expected synthetic or postgres"; exit 2;; esac
KOPIA=$(bash bench/prepare.sh | tail -1)
npm run build >/dev/null
mkdir -p "$OUT"; W=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench-XXXX")
DATA="$W/data"
if [ "$DATASET" = postgres ]; then
  # The server runs as postgres, on a socket in $W only (no TCP), and is stopped on exit whatever happens.
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); chmod 755 "$W"; mkdir -p "$W/pgsock"; chown postgres "$W/pgsock"
  pg() { runuser -u postgres -- "$@"; }
  pgstart() { pg "$PGBIN/pg_ctl" -D "$DATA" -l "$W/pgsock/log" -w -o "-k $W/pgsock -c listen_addresses=''" start >/dev/null; }
  pgstop() { pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; }
  trap 'pgstop 2>/dev/null || true; rm -rf "$W"' EXIT
  echo "PostgreSQL data directory in $DATA: pgbench -i -s $PG_SCALE"
  install -d -o postgres -m 700 "$DATA"; pg "$PGBIN/initdb" -D "$DATA" -A trust >/dev/null
  pgstart; pg pgbench -h "$W/pgsock" -i -s "$PG_SCALE" -q postgres 2>&1 | tail -1; pgstop
  change() { pgstart; pg pgbench -h "$W/pgsock" -T 20 postgres 2>&1 | grep -E '^(tps|number of transactions actually)'; pgstop; }
  LABEL="PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') data directory, pgbench -s $PG_SCALE ($(du -sh "$DATA" | cut -f1)), then pgbench -T 20"
else
  trap 'rm -rf "$W"' EXIT
  echo "generating ${GIB} GiB dataset in $DATA"
  node --import tsx bench/gen-dataset.ts "$DATA" --gib "$GIB"
  change() { node --import tsx bench/gen-dataset.ts "$DATA" --gib "$GIB" --version 2; }
  LABEL="${GIB} GiB (bench/gen-dataset.ts)"
fi
export RESTIC_PASSWORD=bench-pw BORG_PASSPHRASE=bench-pw HOLDFAST_PASSWORD=bench-pw KOPIA_PASSWORD=bench-pw KOPIA_CHECK_FOR_UPDATES=false \
  BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
PIN=(); [ -n "$CORES" ] && PIN=(taskset -c "$CORES")
# As users run it: the npm bin (bin/holdfast.js), which runs the compiled dist/ when HOLDFAST_DIST=1, so
# whatever start-up the launcher adds is measured too.
export HOLDFAST_DIST=1
HF=("$PWD/bin/holdfast.js")
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
change
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
node --import tsx bench/report.ts "$RES" "$LABEL" | tee "$OUT/table.md"
