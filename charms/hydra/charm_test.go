package main

import (
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmtest"
)

func newContext(t testing.TB) *charmtest.Context {
	t.Helper()
	meta, err := charmcraft.Load("charmcraft.yaml")
	if err != nil {
		t.Fatalf("loading charmcraft.yaml: %v", err)
	}
	return &charmtest.Context{Charm: newHydra(), Meta: meta}
}

func TestMissingRelations(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	for _, tc := range []struct {
		name string
		in   charmtest.State
		want charmtest.Status
	}{
		{"nothing related", charmtest.State{Leader: true, Containers: []charmtest.Container{{Name: "hydra", CanConnect: true}}},
			charmtest.Status{Name: "blocked", Message: msgMissingDB}},
		{"bad config", charmtest.State{Leader: true, Config: map[string]any{"log_level": "loud"}},
			charmtest.Status{Name: "blocked", Message: "Invalid configuration: log_level must be one of panic, fatal, error, warn, info, debug, trace"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := ctx.Run(t, charmtest.Hook(charm.ConfigChanged), tc.in)
			if out.Err != nil {
				t.Fatal(out.Err)
			}
			if out.State.UnitStatus != tc.want {
				t.Errorf("status %+v, want %+v", out.State.UnitStatus, tc.want)
			}
		})
	}
}
