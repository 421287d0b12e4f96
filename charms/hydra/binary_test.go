package main

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmpack"
	"github.com/identity-platform-go/charms/internal/charmtest"
)

// TestBinary runs the compiled dispatch, as Juju would, and checks that
// it does exactly what the in-process runs do. charmtest's binary runner
// has no Pebble yet, so the unit sees no workload container (as before
// pebble-ready): requests, keys and the status are still all computed.
func TestBinary(t *testing.T) {
	t.Parallel()
	dispatch := charmtest.BuildDispatch(t)
	ctx := newContext(t)
	noContainer := func(st *charmtest.State) { st.Containers = nil }
	for _, tc := range []struct {
		name string
		in   charmtest.State
	}{
		{"everything related", edit(readyState(), noContainer)},
		{"nothing related", charmtest.State{Leader: true}},
		{"invalid configuration", edit(readyState(), noContainer, config("log_level", "loud"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev := charmtest.Hook(charm.ConfigChanged)
			// The binary's keys are random: compare runs that find them.
			want := ctx.Run(t, ev, tc.in)
			got := ctx.RunBinary(t, dispatch, ev, tc.in)
			if got.Err != nil || want.Err != nil {
				t.Fatalf("RunBinary: %v; Run: %v", got.Err, want.Err)
			}
			if tc.in.Secrets == nil {
				// Keys created at random differ; the rest must not.
				got.State.Secrets, want.State.Secrets = nil, nil
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("outputs differ:\n got %+v\nwant %+v", got, want)
			}
			assertNoSecretLeak(t, got)
		})
	}
}

// BenchmarkDispatchUpdateStatus is one update-status of a running unit,
// in process: every hook tool call and Pebble call of a full reconcile
// (fake Pebble), no process start.
func BenchmarkDispatchUpdateStatus(b *testing.B) {
	ctx := newContext(b)
	first := ctx.Run(b, charmtest.Hook(charm.ConfigChanged), readyState())
	if first.Err != nil || first.State.UnitStatus.Name != "active" {
		b.Fatalf("%v %+v", first.Err, first.State.UnitStatus)
	}
	in := first.State
	ev := charmtest.Hook(charm.UpdateStatus)
	b.ResetTimer()
	for b.Loop() {
		if out := ctx.Run(b, ev, in); out.Err != nil {
			b.Fatal(out.Err)
		}
	}
}

// BenchmarkBinaryDispatchUpdateStatus is update-status through the
// compiled binary (no container: the binary runner has no Pebble).
func BenchmarkBinaryDispatchUpdateStatus(b *testing.B) {
	dispatch := filepath.Join(b.TempDir(), charmpack.DispatchName)
	if err := charmpack.Build(b.Context(), charmpack.BuildOptions{Package: ".", Output: dispatch}); err != nil {
		b.Fatal(err)
	}
	ctx := newContext(b)
	in := edit(readyState(), func(st *charmtest.State) { st.Containers = nil })
	ev := charmtest.Hook(charm.UpdateStatus)
	b.ResetTimer()
	for b.Loop() {
		if out := ctx.RunBinary(b, dispatch, ev, in); out.Err != nil {
			b.Fatal(out.Err)
		}
	}
}
