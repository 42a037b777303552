#!/usr/bin/env bash
# Builds promlint — the linter `promtool check metrics` runs (client_golang's testutil/promlint),
# reading the exposition on stdin — once, from the Go module proxy, and caches it under
# ~/.cache/holdfast keyed on go.sum; prints the binary's path. About a minute on 2 cores when cold.
# promtool itself is not built: it links every service-discovery plugin (a build of many minutes).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
key=$(sha256sum "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-12)
bin="$HOME/.cache/holdfast/promlint-$key/promlint"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "promlint/build.sh: go is not installed" >&2; exit 1; }
  mkdir -p "$(dirname "$bin")"
  (cd "$here" && GOFLAGS=-mod=mod go build -o "$bin.tmp" . >&2)
  mv "$bin.tmp" "$bin"
fi
echo "$bin"
