package main

import (
	"errors"
	"maps"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmpack"
	"github.com/identity-platform-go/charms/internal/charmtest"
)

// TestBinary runs the compiled dispatch, as Juju would (hook tools on
// PATH talking to the agent over its socket), and checks that it does
// exactly what the in-process runs of charm_test.go do.
func TestBinary(t *testing.T) {
	t.Parallel()
	// Built once, exactly as `make charms` builds it; the parent's TempDir
	// outlives the parallel subtests.
	dispatch := charmtest.BuildDispatch(t)
	ctx := newContext(t)

	t.Run("hooks", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name   string
			config map[string]any
			rel    charmtest.Relation
		}{
			{"waiting for Kratos", genericConfig(), kratosRelation(nil, nil)},
			{"registered", genericConfig(), kratosRelation(registered(genericID, redirectOK), nil)},
			{"ignored option logged", with(genericConfig(), "microsoft_tenant_id", "t"), kratosRelation(registered(genericID, redirectOK), nil)},
			{"invalid config clears the databag", with(genericConfig(), "issuer_url", nil), kratosRelation(nil, map[string]string{"providers": "stale"})},
		} {
			in := charmtest.State{Leader: true, Config: tc.config, Relations: []charmtest.Relation{tc.rel}}
			ev := charmtest.Hook(charm.ConfigChanged)
			want := ctx.Run(t, ev, in)
			got := ctx.RunBinary(t, dispatch, ev, in)
			if got.Err != nil || want.Err != nil {
				t.Fatalf("%s: RunBinary: %v; Run: %v", tc.name, got.Err, want.Err)
			}
			if got.State.UnitStatus != want.State.UnitStatus {
				t.Errorf("%s: status %+v, want %+v", tc.name, got.State.UnitStatus, want.State.UnitStatus)
			}
			if g, w := localAppData(t, got.State), localAppData(t, want.State); !maps.Equal(g, w) {
				t.Errorf("%s: local app databag\n got %v\nwant %v", tc.name, g, w)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: outputs differ:\n got %+v\nwant %+v", tc.name, got, want)
			}
			assertNoSecretLeak(t, got)
		}
	})

	t.Run("get-redirect-uri", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name string
			rels []charmtest.Relation
		}{
			{"registered", []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), nil)}},
			{"action-fail without a relation", nil},
		} {
			in := charmtest.State{Leader: true, Config: genericConfig(), Relations: tc.rels}
			want := ctx.RunAction(t, "get-redirect-uri", nil, in)
			got := ctx.RunBinaryAction(t, dispatch, "get-redirect-uri", nil, in)
			if got.Err != nil {
				t.Fatalf("%s: %v", tc.name, got.Err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: outputs differ:\n got %+v\nwant %+v", tc.name, got, want)
			}
		}
	})

	t.Run("exit status 1 commits nothing", func(t *testing.T) {
		t.Parallel()
		// An action the metadata declares (so Juju queues it) but the
		// binary does not implement: dispatch exits 1.
		meta := *ctx.Meta
		meta.Actions = maps.Clone(meta.Actions)
		meta.Actions["rotate-credentials"] = charmcraft.ActionSpec{Description: "Not implemented."}
		c := &charmtest.Context{Charm: ctx.Charm, Meta: &meta}
		in := charmtest.State{Leader: true, Config: genericConfig(), Relations: []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), nil)}}

		got := c.RunBinaryAction(t, dispatch, "rotate-credentials", nil, in)
		var exit *charmtest.ExitError
		if !errors.As(got.Err, &exit) || exit.Code != 1 {
			t.Fatalf("Err = %v, want exit status 1", got.Err)
		}
		if want := `dispatch exited with status 1: action "rotate-credentials" is not implemented by this charm`; got.Err.Error() != want {
			t.Errorf("Err = %q, want %q", got.Err, want)
		}
		if !got.ActionFailed || got.ActionMessage != "exit status 1" {
			t.Errorf("failed=%v message=%q, want a failed action with Juju's message", got.ActionFailed, got.ActionMessage)
		}
		if !reflect.DeepEqual(got.State, in) {
			t.Errorf("state changed:\n got %+v\nwant %+v", got.State, in)
		}
		if want := c.RunAction(t, "rotate-credentials", nil, in); want.Err == nil {
			t.Error("the in-process run did not fail")
		}
		assertNoSecretLeak(t, got)
	})
}

// BenchmarkBinaryDispatchConfigChanged is the same dispatch as
// BenchmarkDispatchConfigChanged, through the compiled binary: process
// start, and one hook-tool process plus one RPC per tool call.
func BenchmarkBinaryDispatchConfigChanged(b *testing.B) {
	dispatch := filepath.Join(b.TempDir(), charmpack.DispatchName)
	if err := charmpack.Build(b.Context(), charmpack.BuildOptions{Package: ".", Output: dispatch}); err != nil {
		b.Fatal(err)
	}
	ctx := newContext(b)
	in := charmtest.State{Leader: true, Config: genericConfig(), Relations: []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), nil)}}
	ev := charmtest.Hook(charm.ConfigChanged)
	b.ResetTimer()
	for b.Loop() {
		if out := ctx.RunBinary(b, dispatch, ev, in); out.Err != nil {
			b.Fatal(out.Err)
		}
	}
}
