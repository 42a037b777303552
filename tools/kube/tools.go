//go:build tools

// Keeps kubectl's dependencies in go.mod/go.sum so `go build k8s.io/kubernetes/cmd/kubectl` works in
// this module (the harness uses kubectl for `apply --dry-run=server` of the deploy/ manifests).
package main

import _ "k8s.io/kubernetes/cmd/kubectl"
