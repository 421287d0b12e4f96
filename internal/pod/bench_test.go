package pod

import (
	"context"
	"testing"

	"github.com/identity-platform-go/charms/internal/workload"
)

// benchSpec is a pod with the charm container and two workload
// containers: three containers, two Pebble daemons.
func benchSpec(b *testing.B) PodSpec {
	return testSpec(b, "bench", "app", 0, "a", "b")
}

// BenchmarkPodStart measures Create and Start of a pod until every
// workload container's Pebble answers SysInfo through its host socket.
func BenchmarkPodStart(b *testing.B) {
	rt := testRuntime(b)
	spec := benchSpec(b)
	ctx := context.Background()
	for b.Loop() {
		p, err := rt.Create(spec)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Start(ctx); err != nil {
			b.Fatal(err)
		}
		for _, c := range spec.Containers {
			api, err := workload.DialSocket(p.PebbleSocket(c.Name))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := api.SysInfo(); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if err := p.Destroy(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	_ = rt.DestroyStorage(spec.Model, spec.Name())
}

// BenchmarkPodDestroy measures Destroy of a running pod: SIGTERM, every
// process gone, cgroup, network namespace, veth and directories removed.
func BenchmarkPodDestroy(b *testing.B) {
	rt := testRuntime(b)
	spec := benchSpec(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		p, err := rt.Create(spec)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Start(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := p.Destroy(ctx); err != nil {
			b.Fatal(err)
		}
	}
	_ = rt.DestroyStorage(spec.Model, spec.Name())
}
