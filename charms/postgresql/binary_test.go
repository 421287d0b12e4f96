package main

import (
	"reflect"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest"
)

// TestBinary runs the compiled dispatch, as Juju would, on the paths
// that need neither Pebble nor PostgreSQL (charmtest's RunBinary has no
// containers), and checks that it does exactly what the in-process runs
// do. The paths with a workload run for real in tests/controller.
func TestBinary(t *testing.T) {
	t.Parallel()
	dispatch := charmtest.BuildDispatch(t)
	ctx := newContext(t, newFakeServer())
	secret := charmtest.Secret{ID: "secret:dc3o1f1ksduae7f4rd60", Owner: "application", Label: systemSecretLabel, Content: map[string]string{operatorKey: "Op-Secret-Password-1"}}

	for _, tc := range []struct {
		name string
		in   charmtest.State
		want charmtest.Status
	}{
		{"standby", charmtest.State{Relations: []charmtest.Relation{peers("postgresql-k8s/1", 1)}},
			charmtest.Status{Name: "blocked", Message: msgStandby}},
		{"bad config", charmtest.State{Leader: true, Config: map[string]any{"memory_work_mem": 1}, Relations: []charmtest.Relation{peers("")}},
			charmtest.Status{Name: "blocked", Message: "Configuration Error: memory_work_mem must be a whole number from 64 to 2147483647 (kB)"}},
		{"no Pebble", charmtest.State{Leader: true, Relations: []charmtest.Relation{peers("")}},
			charmtest.Status{Name: "waiting", Message: msgNoPebble}},
	} {
		ev := charmtest.Hook(charm.ConfigChanged)
		want := ctx.Run(t, ev, tc.in)
		got := ctx.RunBinary(t, dispatch, ev, tc.in)
		if got.Err != nil || want.Err != nil {
			t.Fatalf("%s: RunBinary: %v; Run: %v", tc.name, got.Err, want.Err)
		}
		if got.State.UnitStatus != tc.want {
			t.Errorf("%s: status %+v, want %+v", tc.name, got.State.UnitStatus, tc.want)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: outputs differ:\n got %+v\nwant %+v", tc.name, got, want)
		}
	}

	for _, tc := range []struct {
		name, action string
		in           charmtest.State
	}{
		{"get-password on a standby", "get-password", charmtest.State{Relations: []charmtest.Relation{peers("postgresql-k8s/1", 1)}, Secrets: []charmtest.Secret{secret}}},
		{"get-password before the secret", "get-password", charmtest.State{Leader: true}},
		{"set-password on a standby", "set-password", charmtest.State{Secrets: []charmtest.Secret{secret}}},
	} {
		want := ctx.RunAction(t, tc.action, nil, tc.in)
		got := ctx.RunBinaryAction(t, dispatch, tc.action, nil, tc.in)
		if got.Err != nil {
			t.Fatalf("%s: %v", tc.name, got.Err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: outputs differ:\n got %+v\nwant %+v", tc.name, got, want)
		}
	}
}
