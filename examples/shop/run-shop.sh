#!/bin/sh
# Starts the example shop for `holdfast serve` (the workload's start command). Paths come from the
# environment holdfast.yaml sets up; exec keeps the pid, so `kill -HUP $HOLDFAST_SERVICE_PID` reaches the server.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${SHOP_STATE:=$root/.holdfast-tmp/shop}"
mkdir -p "$SHOP_STATE/data" "$SHOP_STATE/certs"
# A first start gets a few sample orders, so the first backups and verifications hold real data.
[ -f "$SHOP_STATE/data/items.jsonl" ] || for i in 1 2 3; do
  echo "{\"id\":$i,\"item\":\"sample order $i\",\"seeded\":true}"
done > "$SHOP_STATE/data/items.jsonl"
cd "$root"
exec node --import tsx "$here/server.ts" --data-dir "$SHOP_STATE/data" --cert-dir "$SHOP_STATE/certs" --host 127.0.0.1 --port "${SHOP_PORT:-8444}"
