//go:build tools

// The real Kubernetes for Holdfast's tests, built from the Go module proxy so tests talk to the same
// code a cluster runs (no fakes, no kind, no Docker). This file keeps the dependencies of the commands
// built from this module in go.mod/go.sum, so `go build k8s.io/kubernetes/cmd/<name>` works here:
// kube-apiserver and kubectl (the API-only harness), and the node components (the real one-node
// cluster), all in one build by scripts/prepare/30-kube.sh.
package main

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
