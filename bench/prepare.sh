#!/usr/bin/env bash
# Peers for bench/run.sh: restic and borg from Debian, kopia v0.21.1 (what Velero's data mover runs)
# built from the Go module proxy once and cached under ~/.cache/holdfast/bin. A bench step, not part
# of the CI prepare: the tests never need these.
set -euo pipefail
KOPIA_VERSION=v0.21.1
BIN="$HOME/.cache/holdfast/bin"; mkdir -p "$BIN"
missing=()
for p in restic borgbackup time; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; fi
if [ ! -x "$BIN/kopia-$KOPIA_VERSION" ]; then
  W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
  (cd "$W" && go mod init k >/dev/null 2>&1 && GOFLAGS=-mod=mod go get "github.com/kopia/kopia@$KOPIA_VERSION" \
    && GOFLAGS=-mod=mod go build -o "$BIN/kopia-$KOPIA_VERSION.tmp" github.com/kopia/kopia)
  mv "$BIN/kopia-$KOPIA_VERSION.tmp" "$BIN/kopia-$KOPIA_VERSION"
fi
echo "$BIN/kopia-$KOPIA_VERSION"
