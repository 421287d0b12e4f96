package main

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/interfaces/oauth"
)

const oauthID = 7

var grafanaRequest = oauth.ClientConfig{
	RedirectURI: "https://grafana.example.com/login/generic_oauth",
	Scope:       "openid email",
	GrantTypes:  []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken},
}

func contextWith(t testing.TB, admin *fakeAdmin) *charmtest.Context {
	t.Helper()
	ctx := newContext(t)
	h := testHydra()
	h.newAdmin = func() adminAPI { return admin }
	ctx.Charm = h
	return ctx
}

func oauthRelation(t testing.TB, cfg oauth.ClientConfig) func(*charmtest.State) {
	t.Helper()
	bag, err := oauth.EncodeClientConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return func(st *charmtest.State) {
		st.Relations = append(st.Relations, charmtest.Relation{Endpoint: oauthEndpoint, ID: oauthID, RemoteApp: "grafana",
			RemoteUnits: map[int]map[string]string{0: {}}, RemoteAppData: bag})
	}
}

// withClient records client id as relation relID's, with a client in
// Hydra and its secret published, as a create leaves them.
func withClient(admin *fakeAdmin, relID int, id string, applied string) func(*charmtest.State) {
	admin.add(oauthClient{ID: id, Secret: "s3cret-of-" + id, Metadata: map[string]any{"integration-id": "x"}})
	return func(st *charmtest.State) {
		p := &st.Relations[relationIndex(st, peerEndpoint)]
		p.LocalAppData = maps.Clone(p.LocalAppData)
		p.LocalAppData[clientKey(relID)] = `{"client_id": "` + id + `", "applied": "` + applied + `"}`
		st.Secrets = append(st.Secrets, charmtest.Secret{Owner: "application", Label: oauth.SecretLabel(relID),
			Content: map[string]string{"secret": "s3cret-of-" + id}})
	}
}

func TestOAuthProvider(t *testing.T) {
	t.Parallel()
	wantInfo := map[string]string{
		"issuer_url":             publicURL,
		"authorization_endpoint": publicURL + "/oauth2/auth",
		"token_endpoint":         publicURL + "/oauth2/token",
		"introspection_endpoint": "http://hydra.test-model.svc.cluster.local:4445/admin/oauth2/introspect",
		"userinfo_endpoint":      publicURL + "/userinfo",
		"jwks_endpoint":          publicURL + "/.well-known/jwks.json",
		"scope":                  "openid profile email phone",
		"jwt_access_token":       "True",
	}
	grafanaDigest := digest(relationClient(oauthID, grafanaRequest))
	changed := grafanaRequest
	changed.Scope = "openid email profile"
	changed.Audience = []string{"grafana"}

	tests := []struct {
		name  string
		setup func(t *testing.T, admin *fakeAdmin) charmtest.State
		event func(charmtest.State) charm.Event
		// wantCalls are the admin API calls.
		wantCalls []string
		check     func(t *testing.T, admin *fakeAdmin, out charmtest.Output)
	}{{
		name: "a new relation gets a client, its secret and the provider info",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			return edit(readyState(), running(t), oauthRelation(t, grafanaRequest))
		},
		wantCalls: []string{"Create"},
		check: func(t *testing.T, admin *fakeAdmin, out charmtest.Output) {
			c, ok := admin.get("client-1")
			if !ok {
				t.Fatal("no client in Hydra")
			}
			if !slices.Equal(c.RedirectURIs, []string{grafanaRequest.RedirectURI}) || c.Scope != "openid email" ||
				!slices.Equal(c.GrantTypes, grafanaRequest.GrantTypes) || !slices.Equal(c.ResponseTypes, []string{"code"}) ||
				c.TokenEndpointAuthMethod != "client_secret_basic" || c.Metadata["integration-id"] != "7" {
				t.Errorf("client %v", c)
			}
			bag := localApp(out.State, oauthEndpoint)
			info := maps.Clone(bag)
			delete(info, "client_id")
			delete(info, "client_secret_id")
			if !maps.Equal(info, wantInfo) || bag["client_id"] != "client-1" {
				t.Errorf("oauth databag %v", bag)
			}
			s, ok := ownedSecret(out.State, "client_secret_7")
			if !ok || s.Content["secret"] != "generated-secret-1" || !strings.HasSuffix(bag["client_secret_id"], strings.TrimPrefix(s.ID, "secret:")) ||
				!slices.Equal(s.Grants[oauthID], []string{"grafana"}) {
				t.Errorf("client secret %+v, databag %v", s, bag)
			}
			if got := localApp(out.State, peerEndpoint)[clientKey(oauthID)]; got != `{"client_id": "client-1", "applied": "`+grafanaDigest+`"}` {
				t.Errorf("peer record %q", got)
			}
		},
	}, {
		name: "an unchanged request touches nothing",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			return edit(readyState(), running(t), oauthRelation(t, grafanaRequest), withClient(admin, oauthID, "c-7", grafanaDigest))
		},
	}, {
		name: "a changed request updates the client in place, secret kept",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			return edit(readyState(), running(t), oauthRelation(t, changed), withClient(admin, oauthID, "c-7", grafanaDigest))
		},
		event: func(st charmtest.State) charm.Event {
			return charmtest.RelationEvent(charm.RelationChanged, st.Relations[relationIndex(&st, oauthEndpoint)], -1)
		},
		wantCalls: []string{"Update c-7"},
		check: func(t *testing.T, admin *fakeAdmin, out charmtest.Output) {
			c, _ := admin.get("c-7")
			if c.Scope != "openid email profile" || !slices.Equal(c.Audience, []string{"grafana"}) || c.Secret != "s3cret-of-c-7" {
				t.Errorf("client %v (secret kept: %v)", c, c.Secret == "s3cret-of-c-7")
			}
			if s, _ := ownedSecret(out.State, "client_secret_7"); s.Revision > 1 {
				t.Errorf("secret got a new revision: %+v", s)
			}
			if got := localApp(out.State, peerEndpoint)[clientKey(oauthID)]; !strings.Contains(got, digest(relationClient(oauthID, changed))) {
				t.Errorf("peer record %q", got)
			}
		},
	}, {
		name: "a record written by the reference charm is updated once",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			return edit(readyState(), running(t), oauthRelation(t, grafanaRequest), withClient(admin, oauthID, "c-7", ""))
		},
		wantCalls: []string{"Update c-7"},
	}, {
		name: "a client gone from Hydra is registered again",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			st := edit(readyState(), running(t), oauthRelation(t, changed), withClient(admin, oauthID, "c-7", grafanaDigest))
			_ = admin.DeleteClient(t.Context(), "c-7")
			admin.calls = nil
			return st
		},
		wantCalls: []string{"Update c-7", "Create"},
		check: func(t *testing.T, admin *fakeAdmin, out charmtest.Output) {
			if localApp(out.State, oauthEndpoint)["client_id"] != "client-1" {
				t.Errorf("databag %v", localApp(out.State, oauthEndpoint))
			}
			if s, _ := ownedSecret(out.State, "client_secret_7"); s.Content["secret"] != "generated-secret-1" {
				t.Errorf("secret %+v", s)
			}
		},
	}, {
		name: "Hydra not running yet: provider info only",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			return edit(readyState(), oauthRelation(t, grafanaRequest), container(func(c *charmtest.Container) {
				c.Checks = map[string]charmtest.Check{readyCheck: {Level: "ready", Status: "down"}}
			}))
		},
		check: func(t *testing.T, admin *fakeAdmin, out charmtest.Output) {
			if bag := localApp(out.State, oauthEndpoint); !maps.Equal(bag, wantInfo) {
				t.Errorf("oauth databag %v", bag)
			}
		},
	}, {
		name: "not the leader: nothing",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			return edit(readyState(), running(t), oauthRelation(t, grafanaRequest), notLeader)
		},
		check: func(t *testing.T, admin *fakeAdmin, out charmtest.Output) {
			if bag := localApp(out.State, oauthEndpoint); len(bag) != 0 {
				t.Errorf("oauth databag %v", bag)
			}
		},
	}, {
		name: "Hydra refuses the client: logged, retried on the next hook",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			admin.fail["Create"] = errors.New("creating the OAuth client: invalid_client_metadata: bad redirect")
			return edit(readyState(), running(t), oauthRelation(t, grafanaRequest))
		},
		wantCalls: []string{"Create"},
		check: func(t *testing.T, admin *fakeAdmin, out charmtest.Output) {
			if _, ok := localApp(out.State, peerEndpoint)[clientKey(oauthID)]; ok || out.State.UnitStatus.Name != "active" {
				t.Errorf("peer %v, status %+v", localApp(out.State, peerEndpoint), out.State.UnitStatus)
			}
			if !containsLine(out.Logs, "ERROR Failed to create the OAuth client bound with the oauth integration 7") {
				t.Errorf("logs %q", out.Logs)
			}
		},
	}, {
		name: "an invalid request is ignored with a warning",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			return edit(readyState(), running(t), oauthRelation(t, grafanaRequest),
				remoteData(oauthEndpoint, map[string]string{"scope": "openid", "grant_types": `["implicit"]`, "audience": "[]", "token_endpoint_auth_method": "client_secret_basic"}))
		},
		check: func(t *testing.T, admin *fakeAdmin, out charmtest.Output) {
			if !containsLine(out.Logs, "WARNING Ignoring an invalid client request: client request from grafana on oauth relation 7") {
				t.Errorf("logs %q", out.Logs)
			}
		},
	}, {
		name: "the client of a removed relation is deleted with its secret",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			return edit(readyState(), running(t), withClient(admin, 9, "c-9", "x"))
		},
		wantCalls: []string{"Delete c-9"},
		check: func(t *testing.T, admin *fakeAdmin, out charmtest.Output) {
			if _, ok := localApp(out.State, peerEndpoint)[clientKey(9)]; ok {
				t.Error("peer record kept")
			}
			if s, ok := ownedSecret(out.State, "client_secret_9"); ok && !s.RemovedAll {
				t.Errorf("secret kept: %+v", s)
			}
		},
	}, {
		name: "a client already gone from Hydra is forgotten",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			st := edit(readyState(), running(t), withClient(admin, 9, "c-9", "x"))
			_ = admin.DeleteClient(t.Context(), "c-9")
			admin.calls = nil
			return st
		},
		wantCalls: []string{"Delete c-9"},
		check: func(t *testing.T, admin *fakeAdmin, out charmtest.Output) {
			if _, ok := localApp(out.State, peerEndpoint)[clientKey(9)]; ok {
				t.Error("peer record kept")
			}
		},
	}, {
		name: "a failed delete keeps the record for the next try",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			admin.fail["Delete "] = errors.New("deleting the OAuth client c-9: connection refused")
			return edit(readyState(), running(t), withClient(admin, 9, "c-9", "x"))
		},
		wantCalls: []string{"Delete c-9"},
		check: func(t *testing.T, admin *fakeAdmin, out charmtest.Output) {
			if _, ok := localApp(out.State, peerEndpoint)[clientKey(9)]; !ok {
				t.Error("peer record dropped")
			}
			if !containsLine(out.Logs, "Please run the 'reconcile-oauth-clients' action.") {
				t.Errorf("logs %q", out.Logs)
			}
		},
	}, {
		name: "relation-broken of the relation itself: kept (it may be this unit leaving)",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			return edit(readyState(), running(t), oauthRelation(t, grafanaRequest), withClient(admin, oauthID, "c-7", grafanaDigest))
		},
		event: func(st charmtest.State) charm.Event {
			return charmtest.RelationEvent(charm.RelationBroken, st.Relations[relationIndex(&st, oauthEndpoint)], -1)
		},
		check: func(t *testing.T, admin *fakeAdmin, out charmtest.Output) {
			if _, ok := admin.get("c-7"); !ok {
				t.Error("client deleted")
			}
		},
	}, {
		name: "a leaving unit (scale-down) never deletes a client",
		setup: func(t *testing.T, admin *fakeAdmin) charmtest.State {
			return edit(readyState(), running(t), withClient(admin, oauthID, "c-7", grafanaDigest),
				func(st *charmtest.State) { st.Stored[stateDying] = "true" })
		},
		event: func(st charmtest.State) charm.Event {
			return charmtest.RelationEvent(charm.RelationBroken, st.Relations[relationIndex(&st, loginUIEndpoint)], -1)
		},
		check: func(t *testing.T, admin *fakeAdmin, out charmtest.Output) {
			if _, ok := admin.get("c-7"); !ok {
				t.Error("client deleted")
			}
			if _, ok := localApp(out.State, peerEndpoint)[clientKey(oauthID)]; !ok {
				t.Error("peer record dropped")
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			admin := newFakeAdmin()
			in := tt.setup(t, admin)
			ev := charmtest.Hook(charm.ConfigChanged)
			if tt.event != nil {
				ev = tt.event(in)
			}
			out := contextWith(t, admin).Run(t, ev, in)
			if out.Err != nil {
				t.Fatalf("dispatch failed: %v\nlogs %q", out.Err, out.Logs)
			}
			if got := admin.Calls(); !slices.Equal(got, tt.wantCalls) {
				t.Errorf("admin calls %q, want %q", got, tt.wantCalls)
			}
			if tt.check != nil {
				tt.check(t, admin, out)
			}
			assertNoSecretLeak(t, out)
			for _, l := range out.Logs {
				if strings.Contains(l, "generated-secret") || strings.Contains(l, "s3cret-of") {
					t.Errorf("client secret logged: %q", l)
				}
			}
		})
	}
}

// TestOAuthScaleDown follows a leader through Juju's teardown of a
// removed unit: it departs its relations (JUJU_DEPARTING_UNIT is itself),
// then each relation breaks. Its clients must survive every hook.
func TestOAuthScaleDown(t *testing.T) {
	t.Parallel()
	admin := newFakeAdmin()
	st := edit(readyState(), running(t), oauthRelation(t, grafanaRequest), withClient(admin, oauthID, "c-7", digest(relationClient(oauthID, grafanaRequest))),
		func(st *charmtest.State) {
			st.Relations[relationIndex(st, peerEndpoint)].RemoteUnits = map[int]map[string]string{1: {}}
		})
	ctx := contextWith(t, admin)
	oauthRel := func(st charmtest.State) charmtest.Relation { return st.Relations[relationIndex(&st, oauthEndpoint)] }
	// (charmtest accepts a departing unit of the relation's own side on
	// peer relations only; Juju sets it on every relation.)
	departed := charmtest.RelationEvent(charm.RelationDeparted, st.Relations[relationIndex(&st, peerEndpoint)], 1)
	departed.DepartingUnit = "hydra/0"
	st = ctx.MustRun(t, departed, st)
	st = ctx.MustRun(t, charmtest.RelationEvent(charm.RelationBroken, oauthRel(st), -1), st)
	st = edit(st, without(oauthEndpoint))
	st = ctx.MustRun(t, charmtest.RelationEvent(charm.RelationBroken, st.Relations[relationIndex(&st, loginUIEndpoint)], -1), st)
	if calls := admin.Calls(); len(calls) != 0 {
		t.Errorf("admin calls during teardown: %q", calls)
	}
	if _, ok := localApp(st, peerEndpoint)[clientKey(oauthID)]; !ok {
		t.Error("peer record dropped")
	}
}
