#!/bin/sh
# Deploys a release of the shop as a deploy pipeline would:
#   deploy.sh v1|v2
# With `holdfast serve` running, it asks serve to deploy it (POST /api/v1/workloads/shop/deploy):
# a planned restart on the new release — no outage, no alert —, recorded on the deployment
# timeline (which version wrote which backup: what a SAST-aware restore reads) as the new process
# starts; the answer comes once the new release is ready. Stopping the shop behind serve's back
# would read as an outage instead.
# Without serve, it records the deploy in the catalog (`holdfast deploy record`) and makes it the
# release the next start runs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${SHOP_STATE:=$root/.holdfast-tmp/shop}"
: "${HOLDFAST_DATA_DIR:=$SHOP_STATE/holdfast}"
export SHOP_STATE HOLDFAST_DATA_DIR
release=${1:?usage: deploy.sh v1|v2}
[ -f "$here/releases/$release/commit" ] || { echo "deploy.sh: no release $release (known: $(echo $(ls "$here/releases")))" >&2; exit 2; }
commit=$(cat "$here/releases/$release/commit")
sh "$here/build.sh" "$release" "$SHOP_STATE/releases/$release"
digest=sha256:$(sha256sum "$SHOP_STATE/releases/$release/server.ts" | cut -c1-64)
body=$(printf '{"commit":"%s","imageDigest":"%s","repository":"github.com/holdfast/shop","actor":"deploy.sh"}' "$commit" "$digest")
rc=0
answer=$(node "$here/serve-call.mjs" POST /api/v1/workloads/shop/deploy "$body") || rc=$?
case $rc in
0)
  echo "deploy.sh: shop runs $release (commit $commit), deployed by holdfast serve"
  ;;
3)
  node "$root/bin/holdfast.js" deploy record --catalog "$HOLDFAST_DATA_DIR/catalog.db" --workload shop \
    --commit "$commit" --image-digest "$digest" --repository github.com/holdfast/shop --volume shop-data
  echo "$release" >"$SHOP_STATE/release"
  # The deploy ends the version an incident may have pinned for restarts.
  rm -f "$HOLDFAST_DATA_DIR/services/shop.version.json"
  echo "deploy.sh: holdfast serve is not running; the shop's next start runs $release"
  ;;
*)
  echo "deploy.sh: holdfast serve did not deploy $release: $answer (see $HOLDFAST_DATA_DIR/services/shop.log)" >&2
  exit 1
  ;;
esac
