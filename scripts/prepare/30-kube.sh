#!/usr/bin/env bash
# Real Kubernetes for the tests, built from the Go module in tools/kube (k8s.io/kubernetes at the
# pinned version): kube-apiserver and kubectl for the API-only harness (test/harness/kube.ts), and
# kubelet, kube-controller-manager, kube-scheduler and kube-proxy for the one-node cluster
# (test/harness/node.ts; its Debian packages are in 00-debian.sh); helm for the chart; Debian's
# etcd-server.
# Idempotent: binaries are cached under ~/.cache/holdfast/bin keyed on the version. The missing ones
# are built in ONE go build: they share most compiled packages, so all six cost ~10 min cold on 2
# cores where kube-apiserver alone took ~11 min as a build of its own.
set -euo pipefail
VERSION=v1.34.3
MINOR=34
here="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="${HOME}/.cache/holdfast"
COMPONENTS=(kube-apiserver kubectl kubelet kube-controller-manager kube-scheduler kube-proxy)
# helm renders and installs deploy/helm/holdfast (manifests test, real-node install test).
HELM_VERSION=v3.19.5
HELM="${CACHE}/bin/helm-${HELM_VERSION}"

if ! command -v etcd >/dev/null 2>&1; then
  echo "prepare: apt-get install etcd-server"
  export DEBIAN_FRONTEND=noninteractive
  # Other prepare steps may hold the dpkg lock; wait for it instead of failing.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends etcd-server >/dev/null
  # Debian starts an etcd service on install; the tests start their own on random ports.
  (systemctl disable --now etcd >/dev/null 2>&1 || service etcd stop >/dev/null 2>&1 || true)
fi

todo=()
for c in "${COMPONENTS[@]}"; do [ -x "${CACHE}/bin/${c}-${VERSION}" ] || todo+=("$c"); done
[ ${#todo[@]} -eq 0 ] && [ -x "$HELM" ] && exit 0

GO="$(command -v go || true)"
[ -z "$GO" ] && [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go
if [ -z "$GO" ]; then
  echo "prepare: Kubernetes needs Go (>= 1.24) on PATH or at /usr/local/go/bin/go" >&2
  exit 1
fi

mkdir -p "${CACHE}/bin" "${CACHE}/go" "${CACHE}/go-build"
work="$(mktemp -d "${CACHE}/kube-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export GOPATH="${CACHE}/go" GOCACHE="${CACHE}/go-build" GOFLAGS=-mod=mod
cd "$here/tools/kube"
if [ ${#todo[@]} -gt 0 ]; then
  # Without the version stamp the components report v0.0.0-master+$Format:%H$ and kubectl refuses
  # to parse it. -s -w: about a third smaller, stack traces still work (pclntab stays).
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $pkg.gitVersion=${VERSION} -X $pkg.gitMajor=1 -X $pkg.gitMinor=${MINOR}"
  done
  pkgs=()
  for c in "${todo[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  echo "prepare: building ${todo[*]} ${VERSION} in one go build (~10 min cold on 2 cores, cached afterwards)"
  start=$(date +%s)
  "$GO" build -trimpath -ldflags "$ldflags" -o "$work/" "${pkgs[@]}"
  echo "prepare: built in $(($(date +%s) - start)) s"
  for c in "${todo[@]}"; do
    # A binary that cannot start, or misses its version stamp, is not cached.
    if [ "$c" = kubectl ]; then v="$("$work/$c" version --client)"; else v="$("$work/$c" --version)"; fi
    case "$v" in *"$VERSION"*) ;; *) echo "prepare: $c reports '$v', not $VERSION" >&2; exit 1;; esac
    mv "$work/$c" "${CACHE}/bin/${c}-${VERSION}.tmp" && mv "${CACHE}/bin/${c}-${VERSION}.tmp" "${CACHE}/bin/${c}-${VERSION}"
  done
fi
if [ ! -x "$HELM" ]; then
  echo "prepare: building helm ${HELM_VERSION}"
  GOBIN="$work" "$GO" install "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
  mv "$work/helm" "$HELM.tmp" && mv "$HELM.tmp" "$HELM"
fi
echo "prepare: ${COMPONENTS[*]} ${VERSION} and helm ${HELM_VERSION} at ${CACHE}/bin"
