package main

import (
	"os"
	"reflect"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest"
)

// maxDispatchSize is tests/packaging's budget for a shipped charm's
// binary; this one is not shipped, but it carries go-oidc and oauth2 like
// a real relying party would, so it is held to the same budget.
const maxDispatchSize = 10 << 20

// TestBinary builds the dispatch binary as charmpack does, holds it to
// the size budget, and checks that it does what the in-process run does.
func TestBinary(t *testing.T) {
	t.Parallel()
	dispatch := charmtest.BuildDispatch(t)
	bin, err := os.ReadFile(dispatch)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dispatch: %d bytes (%.1f MiB)", len(bin), float64(len(bin))/(1<<20))
	if len(bin) > maxDispatchSize {
		t.Errorf("dispatch is %d bytes, budget is %d", len(bin), maxDispatchSize)
	}

	// RunBinary gives the process no Pebble sockets, so the states have no
	// container: the runs cover config, the relation request, the secret
	// and the statuses; the workload is TestReconcile's.
	ctx := newContext(t, defaultAppURL)
	for _, tc := range []struct {
		name string
		rels []charmtest.Relation
	}{
		{"no relation", nil},
		{"waiting", []charmtest.Relation{oauthRelation(providerData(t, hydraInfo, false))}},
		{"registered", []charmtest.Relation{oauthRelation(providerData(t, hydraInfo, true))}},
	} {
		in := charmtest.State{Leader: true, Relations: tc.rels, Secrets: []charmtest.Secret{clientSecret()}}
		ev := charmtest.Hook(charm.ConfigChanged)
		want := ctx.Run(t, ev, in)
		got := ctx.RunBinary(t, dispatch, ev, in)
		if got.Err != nil || want.Err != nil {
			t.Fatalf("%s: RunBinary: %v; Run: %v", tc.name, got.Err, want.Err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: outputs differ:\n got %+v\nwant %+v", tc.name, got, want)
		}
		assertNoSecretLeak(t, got)
	}
	// With a client and no Pebble yet: waiting, having read the secret.
	in := charmtest.State{Leader: true, Relations: []charmtest.Relation{oauthRelation(providerData(t, hydraInfo, true))}, Secrets: []charmtest.Secret{clientSecret()}}
	if got := ctx.RunBinary(t, dispatch, charmtest.Hook(charm.ConfigChanged), in); got.State.UnitStatus.Message != msgWaitingPebble {
		t.Errorf("registered, no container: %+v", got.State.UnitStatus)
	}
}
