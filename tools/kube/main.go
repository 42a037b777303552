// Command kube-apiserver: the real API server for Holdfast's Kubernetes test harness, built from the
// Go module proxy so tests talk to the same code a cluster runs (no fakes, no kind, no Docker).
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
