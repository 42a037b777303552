#!/bin/sh
# Prints the version of the shop as Holdfast's version probe expects it (JSON on stdout): the
# release run-shop.sh last started, with its commit (releases/<release>/commit) and its
# imageDigest (sha256 of the built server.ts: the deployed artifact, what an image digest is for a
# container). Before the first start: the release that would start.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${SHOP_STATE:=$(cd "$here/../.." && pwd)/.holdfast-tmp/shop}"
if [ -f "$SHOP_STATE/running.json" ]; then
  cat "$SHOP_STATE/running.json"
else
  release=$(cat "$SHOP_STATE/release" 2>/dev/null || echo v1)
  printf '{"release":"%s","commit":"%s","repository":"github.com/holdfast/shop"}\n' "$release" "$(cat "$here/releases/$release/commit")"
fi
