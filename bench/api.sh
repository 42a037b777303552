#!/usr/bin/env bash
# API load benchmark: `holdfast serve` (TLS, bearer token) on loopback, driven by Debian's wrk.
# Read endpoints and SARIF upload; prints requests/s and p99 per endpoint as a Markdown table and
# keeps wrk's raw output under bench/out/. Usage: bench/api.sh [duration=15s] [connections=16]
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/api-prepare.sh
DUR=${1:-15s}
CONN=${2:-16}
out=bench/out/api
mkdir -p "$out"
tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

mkdir -p "$tmp/data/docs"
for i in $(seq 1 200); do head -c 4096 /dev/urandom > "$tmp/data/docs/f$i.bin"; done
commit=0eeab4ac3343d514566cea28f0e00de9f4d0622e
printf '{"commit":"%s","imageDigest":"sha256:%064d"}\n' "$commit" 0 > "$tmp/version.json"
cat > "$tmp/holdfast.yaml" <<YAML
version: 1
server: { listen: "127.0.0.1:$port", dataDir: ./state }
repositories:
  local: { location: ./repo, password: { file: ./pw, generate: true } }
volumes:
  data: { path: ./data }
workloads:
  app: { volumes: [data], version: { file: ./version.json } }
backupPolicies:
  bench:
    repository: local
    volumes: [data]
    schedule: "0 0 * * *"
    runAtStart: true
    verify: { schedule: "0 1 * * *" }
sast:
  seed: [{ file: $PWD/test/e2e/fixtures/shop-semgrep.sarif, repository: github.com/holdfast/shop, commit: $commit }]
YAML
node bin/holdfast.js serve --config "$tmp/holdfast.yaml" 2> "$out/serve.log" &
pid=$!
for _ in $(seq 1 120); do grep -q 'holdfast serving' "$out/serve.log" 2>/dev/null && break; sleep 0.5; done
token=$(cat "$tmp/state/api-token")
base="https://127.0.0.1:$port"
for _ in $(seq 1 120); do
  curl -fsS -k -H "authorization: Bearer $token" "$base/api/v1/runs?status=succeeded" | grep -q snapshotId && break; sleep 0.5
done

cat > "$tmp/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA
# Each upload names a new commit, so every request is a real ingest (new version, scan, findings).
cat > "$tmp/sarif.lua" <<LUA
local f = io.open("$PWD/test/e2e/fixtures/shop-semgrep.sarif", "rb")
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/sarif+json"
local n = 0
request = function()
  n = n + 1
  local c = string.format("%08x%032x", math.random(0, 0x7fffffff), n)
  return wrk.format(nil, "/api/v1/sarif?repository=github.com/holdfast/bench&ref=main&commit=" .. c:sub(1, 40))
end
LUA

echo "| endpoint | requests/s | p50 | p99 | errors |"
echo "|---|---:|---:|---:|---:|"
run() { # name path script
  local name=$1 path=$2 script=$3 c=${4:-$CONN}
  wrk -t2 -c"$c" -d"$DUR" --latency -s "$script" "$base$path" > "$out/$name.txt" 2>&1
  local rps p50 p99 errs
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/$name.txt")
  p50=$(awk '$1=="50%" {print $2}' "$out/$name.txt")
  p99=$(awk '$1=="99%" {print $2}' "$out/$name.txt")
  errs=$(awk '/Non-2xx/ {print $5}' "$out/$name.txt"); errs=${errs:-0}
  echo "| $name \`$path\` | $rps | $p50 | $p99 | $errs |"
}
run healthz /healthz "$tmp/auth.lua"
run overview /api/v1/overview "$tmp/auth.lua"
run volumes /api/v1/volumes "$tmp/auth.lua"
run runs '/api/v1/runs?limit=100' "$tmp/auth.lua"
run findings /api/v1/findings "$tmp/auth.lua"
run metrics /metrics "$tmp/auth.lua"
run sarif-upload /api/v1/sarif "$tmp/sarif.lua" 4
echo
echo "wrk -t2 -c$CONN -d$DUR (SARIF upload: -c4), TLS on loopback, $(nproc) cores, node $(node --version); raw output in $out/"
