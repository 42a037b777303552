#!/usr/bin/env bash
# Builds the versitygw S3 gateway the S3 tests run against (a real server, not a fake).
# Idempotent: the binary is cached under ~/.cache/holdfast keyed on the pinned version.
set -euo pipefail
VERSION=v1.8.0
CACHE="${HOME}/.cache/holdfast"
BIN="${CACHE}/bin/versitygw-${VERSION}"
[ -x "$BIN" ] && exit 0
mkdir -p "${CACHE}/bin" "${CACHE}/go" "${CACHE}/go-build"

GO_VERSION=1.26.8
GO="$(command -v go || true)"
[ -z "$GO" ] && [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go
[ -n "${HOLDFAST_PREPARE_FETCH_GO:-}" ] && GO=""
if [ -z "$GO" ]; then
  # No Go on this machine: fetch the official toolchain, which the Go module proxy serves as the
  # module golang.org/toolchain (the same thing GOTOOLCHAIN=auto downloads).
  TC="${CACHE}/go-toolchain/go${GO_VERSION}"
  if [ ! -x "$TC/bin/go" ]; then
    arch="$(uname -m)"; case "$arch" in x86_64) arch=amd64;; aarch64) arch=arm64;; esac
    for p in curl unzip ca-certificates; do
      dpkg -s "$p" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl unzip ca-certificates >/dev/null; break; }
    done
    echo "prepare: fetching Go ${GO_VERSION} from the Go module proxy"
    tmp="$(mktemp -d "${CACHE}/go-fetch.XXXXXX")"
    curl -fsSL -o "$tmp/tc.zip" "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go${GO_VERSION}.linux-${arch}.zip"
    unzip -q "$tmp/tc.zip" -d "$tmp/x"
    mkdir -p "$(dirname "$TC")"
    rm -rf "$TC"
    mv "$tmp/x/golang.org/toolchain@v0.0.1-go${GO_VERSION}.linux-${arch}" "$TC"
    chmod +x "$TC"/bin/* "$TC"/pkg/tool/*/* 2>/dev/null || true
    rm -rf "$tmp"
  fi
  GO="$TC/bin/go"
fi

work="$(mktemp -d "${CACHE}/versitygw-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "prepare: building versitygw ${VERSION} (a few minutes on 2 cores)"
# GOBIN into a scratch dir, then an atomic rename: a killed build never leaves a half binary.
GOPATH="${CACHE}/go" GOCACHE="${CACHE}/go-build" GOBIN="$work" GOFLAGS=-mod=mod \
  "$GO" install "github.com/versity/versitygw/cmd/versitygw@${VERSION}"
mv "$work/versitygw" "$BIN.tmp"
"$BIN.tmp" --version >/dev/null # a binary that cannot start is not cached
mv "$BIN.tmp" "$BIN"
echo "prepare: versitygw at $BIN"
