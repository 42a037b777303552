#!/bin/sh
# Prints the version of the shop as Holdfast's version probe expects it (JSON on stdout):
#   commit      = the last git commit that changed server.ts (the source the running code is from)
#   imageDigest = sha256 of server.ts, the deployed artifact (what an image digest is for a container)
# Outside a git checkout the commit is left out rather than guessed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
digest=$(sha256sum "$here/server.ts" | cut -c1-64)
commit=$(git -C "$here" log -1 --format=%H -- server.ts 2>/dev/null || true)
if [ -n "$commit" ]; then
  printf '{"commit":"%s","imageDigest":"sha256:%s","repository":"github.com/holdfast/shop"}\n' "$commit" "$digest"
else
  printf '{"imageDigest":"sha256:%s","repository":"github.com/holdfast/shop"}\n' "$digest"
fi
