// kube-controller-manager with one change: the Job controller's pod-failure
// backoff starts at 1s (upstream: 10s doubling to 10min), so the sandbox's
// failure scenarios finish in seconds instead of minutes. The variables are
// exported by the job package precisely so tests can do this.
package main

import (
	"os"
	"time"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
	"k8s.io/kubernetes/pkg/controller/job"
)

func main() {
	job.DefaultJobPodFailureBackOff = time.Second
	job.MaxJobPodFailureBackOff = 5 * time.Second
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
