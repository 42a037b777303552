#!/usr/bin/env bash
# Builds zlint (the certificate linter CAs run before issuing) from the Go module proxy once and
# caches it under ~/.cache/holdfast; prints the binary's path. About 1.5 min on 2 cores when cold.
# The TLS lint test calls this itself, so nothing outside test/tls has to know about it.
set -euo pipefail
version=v3.7.3
bin="$HOME/.cache/holdfast/zlint-$version/bin"
if [ ! -x "$bin/zlint" ]; then
  command -v go >/dev/null || { echo "prepare-zlint: go is not installed" >&2; exit 1; }
  mkdir -p "$bin"
  GOBIN="$bin" GOFLAGS=-mod=mod go install "github.com/zmap/zlint/v3/cmd/zlint@$version" >&2
fi
echo "$bin/zlint"
