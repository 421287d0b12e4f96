package main

import (
	"reflect"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest"
)

// TestBinary runs the compiled dispatch as Juju would (hook tools on
// PATH) and checks it does what the in-process runs do. charmtest runs
// binaries without containers, so these are the states before Pebble
// answers: the dispatch dials the real socket path, which is absent.
func TestBinary(t *testing.T) {
	t.Parallel()
	dispatch := charmtest.BuildDispatch(t)
	ctx := newContext(t)
	rel := hydraV2(map[int]string{0: hydraHost(0)})
	rel.LocalAppData = map[string]string{"ingress": `{"url": "http://old/iam-hydra"}`}
	for _, tc := range []struct {
		name   string
		config map[string]any
		want   charmtest.Status
	}{
		{"waiting for Pebble", nil, charmtest.Status{Name: "waiting", Message: "waiting for service: 'traefik'"}},
		{"bad routing_mode", map[string]any{"routing_mode": "nope"},
			charmtest.Status{Name: "blocked", Message: `invalid routing mode: nope; see logs. Set routing_mode to "path" or "subdomain"`}},
	} {
		in := charmtest.State{Leader: true, Config: tc.config, Relations: []charmtest.Relation{rel}}
		ev := charmtest.Hook(charm.ConfigChanged)
		want := ctx.Run(t, ev, in)
		got := ctx.RunBinary(t, dispatch, ev, in)
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
	in := charmtest.State{Relations: []charmtest.Relation{rel}}
	got := ctx.RunBinaryAction(t, dispatch, "show-proxied-endpoints", nil, in)
	if got.Err != nil || got.ActionResults["proxied-endpoints"] != "{}" {
		t.Errorf("show-proxied-endpoints: %v %v", got.Err, got.ActionResults)
	}
}
