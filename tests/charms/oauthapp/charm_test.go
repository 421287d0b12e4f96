package main

import (
	"maps"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/interfaces/loginuiendpoints"
	"github.com/identity-platform-go/charms/internal/interfaces/oauth"
)

func TestReconcile(t *testing.T) {
	t.Parallel()
	meta, err := charmcraft.Load("charmcraft.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := &charmtest.Context{Charm: app{}, Meta: meta}
	info, _ := oauth.EncodeProviderInfo(oauth.ProviderInfo{IssuerURL: "http://h", AuthorizationEndpoint: "http://h/a", TokenEndpoint: "http://h/t",
		IntrospectionEndpoint: "http://h/i", UserinfoEndpoint: "http://h/u", JWKSEndpoint: "http://h/j", Scope: "openid"})
	registered := maps.Clone(info)
	registered["client_id"], registered["client_secret_id"] = "c-1", "secret:cjqub6vubg2s77p3nio0"
	for _, tc := range []struct {
		name   string
		remote map[string]string
		want   charmtest.Status
	}{
		{"no client yet", info, charmtest.Status{Name: "waiting", Message: "no client yet"}},
		{"registered", registered, charmtest.Status{Name: "active", Message: "client c-1"}},
	} {
		in := charmtest.State{Leader: true,
			Relations: []charmtest.Relation{
				{Endpoint: "ui-endpoint-info", ID: 1, RemoteApp: "hydra", RemoteUnits: map[int]map[string]string{0: {}}},
				{Endpoint: "oauth", ID: 2, RemoteApp: "hydra", RemoteUnits: map[int]map[string]string{0: {}}, RemoteAppData: tc.remote},
			},
			Secrets: []charmtest.Secret{{ID: "secret:cjqub6vubg2s77p3nio0", Content: map[string]string{"secret": "s"}}},
		}
		out := ctx.MustRun(t, charmtest.Hook(charm.ConfigChanged), in)
		if out.UnitStatus != tc.want {
			t.Errorf("%s: status %+v, want %+v", tc.name, out.UnitStatus, tc.want)
		}
		if got, want := out.Relations[0].LocalAppData, loginuiendpoints.Encode(loginuiendpoints.ForBaseURL("http://login-ui.test")); !maps.Equal(got, want) {
			t.Errorf("%s: ui-endpoint-info %v", tc.name, got)
		}
		if out.Relations[1].LocalAppData["grant_types"] != `["client_credentials"]` {
			t.Errorf("%s: oauth request %v", tc.name, out.Relations[1].LocalAppData)
		}
	}
}
