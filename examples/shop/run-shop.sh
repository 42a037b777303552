#!/bin/sh
# Starts the example shop for `holdfast serve` (the workload's start command). Which release runs:
#   HOLDFAST_DEPLOY_COMMIT, when Holdfast names one (an incident restarting on the known-good
#   version, or serve restarting a process that was started on one) — the release with that commit;
#   else the release deploy.sh last deployed ($SHOP_STATE/release); else v1.
# The release is built into $SHOP_STATE/releases/<release>/ and recorded in $SHOP_STATE/running.json,
# which run-version.sh reports. exec keeps the pid, so `kill -HUP $HOLDFAST_SERVICE_PID` reaches the server.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${SHOP_STATE:=$root/.holdfast-tmp/shop}"
mkdir -p "$SHOP_STATE/data" "$SHOP_STATE/certs"
if [ -n "${HOLDFAST_DEPLOY_COMMIT:-}" ]; then
  release=$(grep -lx "$HOLDFAST_DEPLOY_COMMIT" "$here"/releases/*/commit | sed 's#.*/releases/\([^/]*\)/commit#\1#' | head -n1)
  [ -n "$release" ] || { echo "run-shop: no release of the shop has commit $HOLDFAST_DEPLOY_COMMIT (see examples/shop/releases/*/commit)" >&2; exit 2; }
  # Holdfast deployed it: it is the shop's release from now on, also for the next plain start.
  echo "$release" >"$SHOP_STATE/release"
else
  release=$(cat "$SHOP_STATE/release" 2>/dev/null || echo v1)
fi
commit=$(cat "$here/releases/$release/commit")
sh "$here/build.sh" "$release" "$SHOP_STATE/releases/$release"
digest=$(sha256sum "$SHOP_STATE/releases/$release/server.ts" | cut -c1-64)
printf '{"release":"%s","commit":"%s","imageDigest":"sha256:%s","repository":"github.com/holdfast/shop"}\n' "$release" "$commit" "$digest" >"$SHOP_STATE/running.json.tmp"
mv "$SHOP_STATE/running.json.tmp" "$SHOP_STATE/running.json"
# A first start gets a few sample orders, so the first backups and verifications hold real data.
[ -f "$SHOP_STATE/data/items.jsonl" ] || for i in 1 2 3; do
  echo "{\"id\":$i,\"item\":\"sample order $i\",\"seeded\":true}"
done >"$SHOP_STATE/data/items.jsonl"
cd "$root"
HOLDFAST_SHOP_COMMIT=$commit exec node --import tsx "$SHOP_STATE/releases/$release/server.ts" --data-dir "$SHOP_STATE/data" --cert-dir "$SHOP_STATE/certs" --host 127.0.0.1 --port "${SHOP_PORT:-8444}"
