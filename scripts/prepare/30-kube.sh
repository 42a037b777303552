#!/usr/bin/env bash
# The real control plane the Kubernetes tests run against: kube-apiserver and kubectl built from the
# Go module in tools/kube (k8s.io/kubernetes at the pinned version), and Debian's etcd-server.
# Idempotent: binaries are cached under ~/.cache/holdfast/bin keyed on the version; a cold build is
# ~11 min on 2 cores, a warm machine skips it. No kubelet: the tests play the kubelet's part.
set -euo pipefail
VERSION=v1.34.3
MINOR=34
here="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="${HOME}/.cache/holdfast"
APISERVER="${CACHE}/bin/kube-apiserver-${VERSION}"
KUBECTL="${CACHE}/bin/kubectl-${VERSION}"
# helm renders deploy/helm/holdfast for the manifests test (server-side dry run of its output).
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

[ -x "$APISERVER" ] && [ -x "$KUBECTL" ] && [ -x "$HELM" ] && exit 0

GO="$(command -v go || true)"
[ -z "$GO" ] && [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go
if [ -z "$GO" ]; then
  echo "prepare: kube-apiserver needs Go (>= 1.24) on PATH or at /usr/local/go/bin/go" >&2
  exit 1
fi

mkdir -p "${CACHE}/bin" "${CACHE}/go" "${CACHE}/go-build"
work="$(mktemp -d "${CACHE}/kube-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# Without these the server reports v0.0.0-master+$Format:%H$ and kubectl refuses to parse it.
ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=${VERSION} -X $pkg.gitMajor=1 -X $pkg.gitMinor=${MINOR}"
done
export GOPATH="${CACHE}/go" GOCACHE="${CACHE}/go-build" GOFLAGS=-mod=mod
cd "$here/tools/kube"
if [ ! -x "$APISERVER" ]; then
  echo "prepare: building kube-apiserver ${VERSION} (~11 min cold on 2 cores, cached afterwards)"
  "$GO" build -trimpath -ldflags "$ldflags" -o "$work/kube-apiserver" .
  mv "$work/kube-apiserver" "$APISERVER.tmp" && mv "$APISERVER.tmp" "$APISERVER"
fi
if [ ! -x "$KUBECTL" ]; then
  echo "prepare: building kubectl ${VERSION}"
  "$GO" build -trimpath -ldflags "$ldflags" -o "$work/kubectl" k8s.io/kubernetes/cmd/kubectl
  mv "$work/kubectl" "$KUBECTL.tmp" && mv "$KUBECTL.tmp" "$KUBECTL"
fi
if [ ! -x "$HELM" ]; then
  echo "prepare: building helm ${HELM_VERSION}"
  GOBIN="$work" "$GO" install "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
  mv "$work/helm" "$HELM.tmp" && mv "$HELM.tmp" "$HELM"
fi
"$APISERVER" --version
echo "prepare: kube-apiserver, kubectl and helm at ${CACHE}/bin"
