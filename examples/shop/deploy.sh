#!/bin/sh
# Deploys a release of the shop as a deploy pipeline would, while `holdfast serve` runs it:
#   deploy.sh v1|v2
# 1. records the deploy in Holdfast's catalog (`holdfast deploy record`): the timeline a SAST-aware
#    restore reads to know which version wrote which backup;
# 2. makes it the shop's release (run-shop.sh starts it from now on) and ends the version an
#    incident may have pinned;
# 3. stops the running shop; serve starts it again on the new release (its restart policy: the
#    end shows as a workload-down alert) and this waits until the new release answers.
# Without serve running, the next start runs the release.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${SHOP_STATE:=$root/.holdfast-tmp/shop}"
: "${HOLDFAST_DATA_DIR:=$SHOP_STATE/holdfast}"
release=${1:?usage: deploy.sh v1|v2}
[ -f "$here/releases/$release/commit" ] || { echo "deploy.sh: no release $release (known: $(echo $(ls "$here/releases")))" >&2; exit 2; }
commit=$(cat "$here/releases/$release/commit")
sh "$here/build.sh" "$release" "$SHOP_STATE/releases/$release"
digest=sha256:$(sha256sum "$SHOP_STATE/releases/$release/server.ts" | cut -c1-64)
node "$root/bin/holdfast.js" deploy record --catalog "$HOLDFAST_DATA_DIR/catalog.db" --workload shop \
  --commit "$commit" --image-digest "$digest" --repository github.com/holdfast/shop --volume shop-data
echo "$release" >"$SHOP_STATE/release"
rm -f "$HOLDFAST_DATA_DIR/services/shop.version.json"
old=$(cut -d' ' -f1 "$HOLDFAST_DATA_DIR/services/shop.pid" 2>/dev/null || true)
if [ -z "$old" ] || ! kill -0 "$old" 2>/dev/null; then
  echo "deploy.sh: the shop is not running; its next start runs $release"
  exit 0
fi
kill -TERM -- "-$old" 2>/dev/null || kill -TERM "$old"
echo "deploy.sh: stopped shop process $old; waiting for holdfast serve to start $release"
i=0
until grep -q "\"release\":\"$release\"" "$SHOP_STATE/running.json" 2>/dev/null &&
  node -e 'const s=require("net").connect(+process.argv[1],"127.0.0.1",()=>process.exit(0));s.on("error",()=>process.exit(1))' "${SHOP_PORT:-8444}" 2>/dev/null &&
  [ "$(cut -d' ' -f1 "$HOLDFAST_DATA_DIR/services/shop.pid" 2>/dev/null)" != "$old" ]; do
  i=$((i + 1))
  [ $i -lt 120 ] || { echo "deploy.sh: the shop did not come back on $release within 60 s: is holdfast serve running? (see $HOLDFAST_DATA_DIR/services/shop.log)" >&2; exit 1; }
  sleep 0.5
done
echo "deploy.sh: shop runs $release (commit $commit)"
