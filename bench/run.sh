#!/usr/bin/env bash
# Side-by-side benchmark: Holdfast, restic, kopia and borg on the same dataset, in one run, same machine.
# Steps per tool: initial backup (v1), no-change backup (v1 again), incremental backup (after the v2
# changes), full restore of the latest snapshot.
# Datasets: `synthetic` (bench/gen-dataset.ts, --gib) or `postgres`: a real PostgreSQL 15 data
# directory (Debian's postgresql) filled by `pgbench -i -s 60` as v1, then 20 s of `pgbench -T 20` as
# the v2 change; the server is stopped before every backup, so each tool reads a consistent directory.
# Repositories: `local` (a directory per tool) or `s3`: a bucket per tool on a versitygw S3 server
# started here on a free loopback port (plain HTTP, posix backend on local disk), which is how the data
# movers run; it measures the S3 protocol's cost, not a network's. borg has no S3 backend and is
# skipped there. Per step: wall time, CPU seconds (user + system,
# children included) and peak RSS from /usr/bin/time; repository size from du. Prints tables of
# ratios (peer / Holdfast: > 1 means Holdfast is faster or smaller) and the load average, because
# wall ratios move with load while CPU seconds and RSS do not.
#   bench/run.sh [--dataset synthetic|postgres] [--gib 2] [--pg-scale 60] [--repo local|s3]
#                [--cores 0-1] [--out bench/out] [--no-build]
# (VERSITYGW=/path overrides the cached versitygw binary.) bench/matrix.sh runs the whole set.
# Peers come from bench/prepare.sh (restic, borg from Debian; kopia v0.21.1 built once and cached).
# Settings: restic's defaults (repository v2, compression auto); kopia's default policy (its
# default compression is none, splitter DYNAMIC-4M-BUZHASH, and snapshot create may run quick
# maintenance, as it does for users); borg repokey-blake2 with zstd,3; Holdfast's defaults. The page
# cache is warm for every tool alike (this machine cannot drop caches).
set -euo pipefail
cd "$(dirname "$0")/.."
GIB=2; OUT=bench/out; CORES=""; DATASET=synthetic; PG_SCALE=60; REPO=local; BUILD=1
while [ $# -gt 0 ]; do case "$1" in --gib) GIB=$2; shift 2;; --out) OUT=$2; shift 2;; --cores) CORES=$2; shift 2;;
  --dataset) DATASET=$2; shift 2;; --pg-scale) PG_SCALE=$2; shift 2;; --repo) REPO=$2; shift 2;; --no-build) BUILD=0; shift;;
  *) echo "bench/run.sh: unknown option $1"; exit 2;; esac; done
case "$DATASET" in synthetic|postgres) ;; *) echo "bench/run.sh: --dataset $DATASET: expected synthetic or postgres"; exit 2;; esac
case "$REPO" in local|s3) ;; *) echo "bench/run.sh: --repo $REPO: expected local or s3"; exit 2;; esac
KOPIA=$(bash bench/prepare.sh | tail -1) || { echo "bench/run.sh: bench/prepare.sh failed (it installs restic, borg and time with apt, builds kopia)"; exit 2; }
VGW=${VERSITYGW:-$HOME/.cache/holdfast/bin/versitygw-v1.8.0}
need() { command -v "$1" >/dev/null || { echo "bench/run.sh: $1 not found ($2)"; exit 2; }; }
need restic "bench/prepare.sh installs it"; need borg "bench/prepare.sh installs it"; need "$KOPIA" "bench/prepare.sh builds it"
need /usr/bin/time "bench/prepare.sh installs it"; need bc "apt-get install bc"
[ -n "$CORES" ] && need taskset "apt-get install util-linux"
if [ "$REPO" = s3 ]; then need "$VGW" "scripts/prepare/10-versitygw.sh builds it"; need curl "apt-get install curl"; fi
if [ "$DATASET" = postgres ]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$PGBIN" ] || { echo "bench/run.sh: PostgreSQL not found in /usr/lib/postgresql (apt-get install postgresql)"; exit 2; }
  need pgbench "apt-get install postgresql-contrib"
fi
[ "$BUILD" = 1 ] && npm run build >/dev/null
[ -f dist/cli/main.js ] || { echo "bench/run.sh: dist/cli/main.js missing (npm run build, or drop --no-build)"; exit 2; }
mkdir -p "$OUT"; W=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench-XXXX")
DATA="$W/data"; VGW_PID=""
# Whatever happens: stop PostgreSQL and the S3 server, then delete the dataset, repositories, restores
# and the server's data, all under $W.
cleanup() {
  if [ "$DATASET" = postgres ]; then pgstop 2>/dev/null || true; fi
  if [ -n "$VGW_PID" ]; then kill "$VGW_PID" 2>/dev/null || true; wait "$VGW_PID" 2>/dev/null || true; fi
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$DATASET" = postgres ]; then
  # The server runs as postgres, on a socket in $W only (no TCP).
  chmod 755 "$W"; mkdir -p "$W/pgsock"; chown postgres "$W/pgsock"
  pg() { runuser -u postgres -- "$@"; }
  pgstart() { pg "$PGBIN/pg_ctl" -D "$DATA" -l "$W/pgsock/log" -w -o "-k $W/pgsock -c listen_addresses=''" start >/dev/null; }
  pgstop() { pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; }
  echo "PostgreSQL data directory in $DATA: pgbench -i -s $PG_SCALE"
  install -d -o postgres -m 700 "$DATA"; pg "$PGBIN/initdb" -D "$DATA" -A trust >/dev/null
  pgstart; pg pgbench -h "$W/pgsock" -i -s "$PG_SCALE" -q postgres 2>&1 | tail -1; pgstop
  change() { pgstart; pg pgbench -h "$W/pgsock" -T 20 postgres 2>&1 | grep -E '^(tps|number of transactions actually)'; pgstop; }
  LABEL="PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') data directory, pgbench -s $PG_SCALE ($(du -sh "$DATA" | cut -f1)), then pgbench -T 20"
else
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
TOOLS=(holdfast restic kopia borg)
if [ "$REPO" = s3 ]; then
  # The server is not pinned with --cores and its CPU is not in the tools' CPU seconds: it stands for
  # the remote end. Throwaway root credentials, made up here; a bucket per tool.
  export AWS_ACCESS_KEY_ID="hf$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')" AWS_SECRET_ACCESS_KEY="$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')" \
    AWS_REGION=us-east-1 HOLDFAST_S3_ALLOW_HTTP=1
  PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  mkdir -p "$W/s3"
  ROOT_ACCESS_KEY=$AWS_ACCESS_KEY_ID ROOT_SECRET_KEY=$AWS_SECRET_ACCESS_KEY "$VGW" --quiet --keep-alive --port "127.0.0.1:$PORT" \
    posix "$W/s3" >"$W/versitygw.log" 2>&1 & VGW_PID=$!
  EP="http://127.0.0.1:$PORT"
  # versitygw wants the payload hash header; these requests have no body (the SHA-256 of "").
  s3curl() { curl -sf -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" --aws-sigv4 "aws:amz:$AWS_REGION:s3" -u "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$@"; }
  for _ in $(seq 150); do s3curl -o /dev/null "$EP/" && break; kill -0 "$VGW_PID" 2>/dev/null || break; sleep 0.2; done
  s3curl -o /dev/null "$EP/" || { echo "bench/run.sh: versitygw on $EP did not start: $(tail -3 "$W/versitygw.log")"; exit 1; }
  TOOLS=(holdfast restic kopia)
  for t in "${TOOLS[@]}"; do s3curl -X PUT -o /dev/null "$EP/$t"; done
  HREPO="s3:$EP/holdfast"; RREPO="s3:$EP/restic"; REPODIR="$W/s3"
  LABEL="$LABEL; repositories on S3 (versitygw v1.8.0, loopback HTTP, a bucket per tool; borg skipped: it has no S3 backend)"
  echo "borg: skipped with --repo s3 (borg has no S3 backend)"
else
  HREPO="$W/holdfast"; RREPO="$W/restic"; REPODIR="$W"
  LABEL="$LABEL; repositories in local directories"
fi
LABEL="$LABEL; cores: ${CORES:-all} (taskset)"
RES="$OUT/results.tsv"; : > "$RES"
echo -e "meta\tdataset\t$DATASET\nmeta\tsize\t$([ "$DATASET" = postgres ] && echo "pg-scale $PG_SCALE" || echo "$GIB GiB")\nmeta\trepo\t$REPO\nmeta\tcores\t${CORES:-all}" >> "$RES"
echo -e "load\tstart\t$(cut -d' ' -f1-3 /proc/loadavg)\t0\t0" >> "$RES"
measure() { # tool step command...
  local tool=$1 step=$2; shift 2
  "${PIN[@]}" /usr/bin/time -f "%e %U %S %M" -o "$W/t" "$@" >"$W/log.$tool.$step" 2>&1 || { echo "bench/run.sh: $tool $step failed:"; tail -5 "$W/log.$tool.$step"; exit 1; }
  read -r secs user sys kb < "$W/t"; echo -e "$tool\t$step\t$secs\t$(echo "$user + $sys" | bc)\t$kb" | tee -a "$RES"
}
has() { [[ " ${TOOLS[*]} " == *" $1 "* ]]; }
"${HF[@]}" repo init --repo "$HREPO" >/dev/null
restic init --repo "$RREPO" >/dev/null
if [ "$REPO" = s3 ]; then
  "${KO[@]}" repository create s3 --endpoint "127.0.0.1:$PORT" --disable-tls --region "$AWS_REGION" --bucket kopia \
    --access-key "$AWS_ACCESS_KEY_ID" --secret-access-key "$AWS_SECRET_ACCESS_KEY" --cache-directory "$W/kopia-cache" >"$W/log.kopia.init" 2>&1
else
  "${KO[@]}" repository create filesystem --path "$W/kopia" --cache-directory "$W/kopia-cache" >"$W/log.kopia.init" 2>&1
fi || { echo "bench/run.sh: kopia repository create failed:"; tail -3 "$W/log.kopia.init"; exit 1; }
has borg && borg init -e repokey-blake2 "$W/borg" >/dev/null 2>&1
backups() { # step borg-archive
  measure holdfast "$1" "${HF[@]}" backup "$DATA" --repo "$HREPO"
  measure restic "$1" restic backup --repo "$RREPO" "$DATA"
  measure kopia "$1" "${KO[@]}" snapshot create "$DATA"
  if has borg; then measure borg "$1" borg create --compression zstd,3 "$W/borg::$2" "$DATA"; fi
}
backups initial v1
backups nochange v1b
change
backups incremental v2
root=$("${KO[@]}" snapshot list "$DATA" --json | node -e "console.log(JSON.parse(require('fs').readFileSync(0, 'utf8')).at(-1).rootEntry.obj)")
measure holdfast restore "${HF[@]}" restore latest --repo "$HREPO" --target "$W/r-holdfast"
measure restic restore restic restore latest --repo "$RREPO" --target "$W/r-restic"
measure kopia restore "${KO[@]}" snapshot restore "$root" "$W/r-kopia"
if has borg; then mkdir -p "$W/r-borg"; measure borg restore sh -c "cd '$W/r-borg' && borg extract '$W/borg::v2'"; fi
for t in "${TOOLS[@]}"; do echo -e "$t\tsize\t$(du -sb "$REPODIR/$t" | cut -f1)\t0\t0" >> "$RES"; done
echo -e "load\tend\t$(cut -d' ' -f1-3 /proc/loadavg)\t0\t0" >> "$RES"
diff -r "$DATA" "$W/r-holdfast${DATA}" >/dev/null 2>&1 || diff -r "$DATA" "$W/r-holdfast" >/dev/null || { echo "bench/run.sh: holdfast restore differs from the source"; exit 1; }
diff -r "$DATA" "$W/r-kopia" >/dev/null || { echo "bench/run.sh: kopia restore differs from the source"; exit 1; }
node --import tsx bench/report.ts "$RES" "$LABEL" | tee "$OUT/table.md"
