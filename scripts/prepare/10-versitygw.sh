#!/usr/bin/env bash
# Builds the versitygw S3 gateway the S3 tests run against (a real server, not a fake).
# Idempotent: the binary is cached under ~/.cache/holdfast keyed on the pinned version.
set -euo pipefail
VERSION=v1.8.0
CACHE="${HOME}/.cache/holdfast"
BIN="${CACHE}/bin/versitygw-${VERSION}"
[ -x "$BIN" ] && exit 0

GO="$(command -v go || true)"
[ -z "$GO" ] && [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go
if [ -z "$GO" ]; then
  echo "prepare: versitygw needs Go (>= 1.22) on PATH or at /usr/local/go/bin/go" >&2
  exit 1
fi

mkdir -p "${CACHE}/bin" "${CACHE}/go" "${CACHE}/go-build"
work="$(mktemp -d "${CACHE}/versitygw-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "prepare: building versitygw ${VERSION} (a few minutes on 2 cores)"
# GOBIN into a scratch dir, then an atomic rename: a killed build never leaves a half binary.
GOPATH="${CACHE}/go" GOCACHE="${CACHE}/go-build" GOBIN="$work" GOFLAGS=-mod=mod \
  "$GO" install "github.com/versity/versitygw/cmd/versitygw@${VERSION}"
mv "$work/versitygw" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
echo "prepare: versitygw at $BIN"
