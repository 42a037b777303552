#!/usr/bin/env bash
# What the opt-in real-node suite (test/node, HOLDFAST_REAL_NODE=1) needs on top of scripts/prepare/:
# kubelet, kube-controller-manager, kube-scheduler and kube-proxy built from the same pinned module as
# kube-apiserver (tools/kube), and Debian's containerd, runc, CNI plugins and the netfilter tools.
# Not under scripts/prepare/ on purpose: everything there runs in every CI run, and this build's cold
# cost in CI has not been measured yet. Needs root (apt-get). Idempotent: the binaries are cached in
# ~/.cache/holdfast/bin keyed on the version, so a warm machine only checks the packages.
set -euo pipefail
VERSION=v1.34.3
MINOR=34
here="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="${HOME}/.cache/holdfast"
COMPONENTS=(kubelet kube-controller-manager kube-scheduler kube-proxy)
# busybox-static feeds the test image; gcc builds the pause image (test/harness/node.ts).
PACKAGES=(containerd runc containernetworking-plugins iptables conntrack socat busybox-static gcc libc6-dev)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "node-prepare: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Other prepare steps may hold the dpkg lock; wait for it instead of failing.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts a containerd service on install; the harness runs its own with private paths.
  (systemctl disable --now containerd >/dev/null 2>&1 || service containerd stop >/dev/null 2>&1 || true)
fi

todo=()
for c in "${COMPONENTS[@]}"; do [ -x "${CACHE}/bin/${c}-${VERSION}" ] || todo+=("$c"); done
[ ${#todo[@]} -eq 0 ] && { echo "node-prepare: ${COMPONENTS[*]} ${VERSION} cached in ${CACHE}/bin"; exit 0; }

GO="$(command -v go || true)"
[ -z "$GO" ] && [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go
if [ -z "$GO" ]; then
  echo "node-prepare: the node components need Go (>= 1.24) on PATH or at /usr/local/go/bin/go" >&2
  exit 1
fi

mkdir -p "${CACHE}/bin" "${CACHE}/go" "${CACHE}/go-build"
work="$(mktemp -d "${CACHE}/node-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The same version stamp as scripts/prepare/30-kube.sh: without it the components report
# v0.0.0-master+$Format:%H$ and kubectl refuses to parse the node's version.
ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=${VERSION} -X $pkg.gitMajor=1 -X $pkg.gitMinor=${MINOR}"
done
export GOPATH="${CACHE}/go" GOCACHE="${CACHE}/go-build" GOFLAGS=-mod=mod
cd "$here/tools/kube"
pkgs=()
for c in "${todo[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
echo "node-prepare: building ${todo[*]} ${VERSION} (one go build; ~8 min on 2 cores on the kube-apiserver build's cache, ~10 min cold)"
# One build: the four share most compiled packages with each other and with kube-apiserver.
"$GO" build -trimpath -ldflags "$ldflags" -o "$work/" "${pkgs[@]}"
for c in "${todo[@]}"; do
  mv "$work/$c" "${CACHE}/bin/${c}-${VERSION}.tmp" && mv "${CACHE}/bin/${c}-${VERSION}.tmp" "${CACHE}/bin/${c}-${VERSION}"
done
"${CACHE}/bin/kubelet-${VERSION}" --version
echo "node-prepare: ${COMPONENTS[*]} at ${CACHE}/bin"
