//go:build tools

// Keeps the dependencies of the commands built from this module in go.mod/go.sum, so
// `go build k8s.io/kubernetes/cmd/<name>` works here: kubectl (scripts/prepare/30-kube.sh; the harness
// uses it for `apply --dry-run=server` of the deploy/ manifests) and the node components
// (scripts/node/prepare.sh, for the opt-in real one-node cluster in test/node).
package main

import (
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
