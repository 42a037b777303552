#!/bin/sh
# Builds a release of the shop into a directory: server.ts as in this folder (v1), with the
# release's change.patch applied when it has one (v2). What a CI build is for the example.
#   build.sh v1|v2 OUTDIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
release=${1:?usage: build.sh v1|v2 OUTDIR}
out=${2:?usage: build.sh v1|v2 OUTDIR}
[ -f "$here/releases/$release/commit" ] || { echo "build.sh: no release $release (known: $(echo $(ls "$here/releases")))" >&2; exit 2; }
mkdir -p "$out"
cp "$here/server.ts" "$out/server.ts.tmp"
if [ -f "$here/releases/$release/change.patch" ]; then
  patch -s -p1 -d "$out" "server.ts.tmp" <"$here/releases/$release/change.patch" >/dev/null || { echo "build.sh: releases/$release/change.patch no longer applies to server.ts" >&2; exit 1; }
fi
mv "$out/server.ts.tmp" "$out/server.ts"
