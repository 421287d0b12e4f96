package main

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charmtest"
)

func TestClientActions(t *testing.T) {
	t.Parallel()
	operatorClient := oauthClient{ID: "op-1", Name: "dashboard", RedirectURIs: []string{"https://dash/cb"}, GrantTypes: []string{"authorization_code"},
		ResponseTypes: []string{"code"}, Scope: "openid email", TokenEndpointAuthMethod: "client_secret_basic", Secret: "op-s3cret",
		Metadata: map[string]any{"dept": "IT"}}
	relationOwned := oauthClient{ID: "rel-7", Scope: "openid", Metadata: map[string]any{"integration-id": "7"}}
	tests := []struct {
		name        string
		action      string
		params      map[string]any
		in          func(t *testing.T) charmtest.State
		clients     []oauthClient
		adminFail   map[string]error
		wantResults map[string]any
		wantFail    string
		wantCalls   []string
		check       func(t *testing.T, admin *fakeAdmin)
	}{{
		name: "create: the reference's integration-test call", action: "create-oauth-client",
		params: map[string]any{"redirect-uris": []any{"https://example.com"}, "client-secret": "secret", "grant-types": []any{"client_credentials"}},
		wantResults: map[string]any{
			"client-id": "client-1", "client-secret": "secret", "redirect-uris": "['https://example.com']",
			"grant-types": "['client_credentials']", "response-types": "['code']", "scope": "['openid', 'profile', 'email', 'phone']",
			"audience": "[]", "contacts": "[]", "name": "", "client-uri": "", "token-endpoint-auth-method": "",
		},
		wantCalls: []string{"Create"},
	}, {
		name: "create with metadata, contacts and a name", action: "create-oauth-client",
		params: map[string]any{"name": "my app", "metadata": `dept=IT team='alpha beta' note="a \"b\""`, "contacts": []any{"ops@example.com"},
			"audience": []any{"api"}, "client-uri": "https://app", "token-endpoint-auth-method": "client_secret_post"},
		wantCalls: []string{"Create"},
		check: func(t *testing.T, admin *fakeAdmin) {
			c, _ := admin.get("client-1")
			if !reflect.DeepEqual(c.Metadata, map[string]any{"dept": "IT", "team": "alpha beta", "note": `a "b"`}) || c.Name != "my app" ||
				!slices.Equal(c.Contacts, []string{"ops@example.com"}) || c.ClientURI != "https://app" || c.TokenEndpointAuthMethod != "client_secret_post" ||
				!slices.Equal(c.GrantTypes, []string{"authorization_code"}) {
				t.Errorf("client %v", c)
			}
		},
	}, {
		name: "create with bad metadata", action: "create-oauth-client", params: map[string]any{"metadata": "dept"},
		wantFail: "Invalid key-value pair: 'dept'. Expected format 'key=value' (values with spaces should be quoted).",
	}, {
		name: "create refused by Hydra", action: "create-oauth-client", adminFail: map[string]error{"Create": errors.New("invalid_client_metadata")},
		wantFail: "Failed to create the OAuth client. Please check the juju logs", wantCalls: []string{"Create"},
	}, {
		name: "create while Hydra is down", action: "create-oauth-client",
		in: func(t *testing.T) charmtest.State {
			return edit(readyState(), running(t), container(func(c *charmtest.Container) {
				c.Checks = map[string]charmtest.Check{readyCheck: {Status: "down", Failures: 1}}
			}))
		},
		wantFail: msgServiceNotReady,
	}, {
		name: "get", action: "get-oauth-client-info", params: map[string]any{"client-id": "op-1"}, clients: []oauthClient{operatorClient},
		wantResults: map[string]any{
			"client-id": "op-1", "name": "dashboard", "redirect-uris": "['https://dash/cb']", "grant-types": "['authorization_code']",
			"response-types": "['code']", "scope": "['openid', 'email']", "audience": "[]", "contacts": "[]", "client-uri": "",
			"token-endpoint-auth-method": "client_secret_basic", "metadata": map[string]any{"dept": "IT"},
		},
		wantCalls: []string{"Get op-1"},
	}, {
		name: "get an unknown client", action: "get-oauth-client-info", params: map[string]any{"client-id": "nope"},
		wantFail: "Failed to get the OAuth client. Please check the juju logs", wantCalls: []string{"Get nope"},
	}, {
		name: "update merges the parameters over the client", action: "update-oauth-client",
		params:  map[string]any{"client-id": "op-1", "redirect-uris": []any{"https://other.app/oauth/callback"}},
		clients: []oauthClient{operatorClient}, wantCalls: []string{"Get op-1", "Update op-1"},
		check: func(t *testing.T, admin *fakeAdmin) {
			c, _ := admin.get("op-1")
			if !slices.Equal(c.RedirectURIs, []string{"https://other.app/oauth/callback"}) || c.Name != "dashboard" || c.Scope != "openid email" ||
				c.Secret != "op-s3cret" || c.Metadata["dept"] != "IT" {
				t.Errorf("client %v (secret kept: %v)", c, c.Secret == "op-s3cret")
			}
		},
	}, {
		name: "update a relation's client is refused", action: "update-oauth-client", params: map[string]any{"client-id": "rel-7", "name": "x"},
		clients:  []oauthClient{relationOwned},
		wantFail: "Cannot update the OAuth client rel-7 because it's managed by an `oauth` integration", wantCalls: []string{"Get rel-7"},
	}, {
		name: "delete", action: "delete-oauth-client", params: map[string]any{"client-id": "op-1"}, clients: []oauthClient{operatorClient},
		wantResults: map[string]any{"client-id": "op-1"}, wantCalls: []string{"Get op-1", "Delete op-1"},
	}, {
		name: "delete a relation's client is refused", action: "delete-oauth-client", params: map[string]any{"client-id": "rel-7"},
		clients:   []oauthClient{relationOwned},
		wantFail:  "Cannot delete the OAuth client rel-7 because it's managed by an `oauth` integration. Please remove the integration first to delete it.",
		wantCalls: []string{"Get rel-7"},
	}, {
		name: "delete an unknown client", action: "delete-oauth-client", params: map[string]any{"client-id": "nope"},
		wantFail: "Failed to get the OAuth client nope. Please check the juju logs", wantCalls: []string{"Get nope"},
	}, {
		name: "list, without secrets", action: "list-oauth-clients", clients: []oauthClient{operatorClient, relationOwned},
		wantResults: map[string]any{"clients": `[{"redirect-uris": ["https://dash/cb"], "response-types": ["code"], "scope": ["openid", "email"], ` +
			`"token-endpoint-auth-method": "client_secret_basic", "metadata": {"dept": "IT"}, "audience": [], "client-id": "op-1", ` +
			`"grant-types": ["authorization_code"], "name": "dashboard", "contacts": [], "client-uri": ""}, ` +
			`{"redirect-uris": [], "response-types": [], "scope": ["openid"], "token-endpoint-auth-method": "", "metadata": {"integration-id": "7"}, ` +
			`"audience": [], "client-id": "rel-7", "grant-types": [], "name": "", "contacts": [], "client-uri": ""}]`},
		wantCalls: []string{"List"},
	}, {
		name: "list nothing", action: "list-oauth-clients", wantResults: map[string]any{"clients": "[]"}, wantCalls: []string{"List"},
	}, {
		name: "revoke access tokens", action: "revoke-oauth-client-access-tokens", params: map[string]any{"client-id": "op-1"},
		wantResults: map[string]any{"client-id": "op-1"}, wantCalls: []string{"Revoke op-1"},
	}, {
		name: "rotate the ID token key", action: "rotate-key",
		wantResults: map[string]any{"new-key-id": "kid-1"}, wantCalls: []string{"CreateKey hydra.openid.id-token RS256"},
	}, {
		name: "rotate with another algorithm", action: "rotate-key", params: map[string]any{"algorithm": "ES256"},
		wantResults: map[string]any{"new-key-id": "kid-1"}, wantCalls: []string{"CreateKey hydra.openid.id-token ES256"},
	}, {
		name: "reconcile deletes the clients of removed relations", action: "reconcile-oauth-clients",
		in: func(t *testing.T) charmtest.State {
			return edit(readyState(), running(t), peerBag(map[string]string{migrationKey(dbID): `"v2.3.0"`, clientKey(9): `{"client_id": "c-9"}`}))
		},
		clients:   []oauthClient{{ID: "c-9"}},
		wantCalls: []string{"Delete c-9"},
	}, {
		name: "reconcile on a unit that is not the leader", action: "reconcile-oauth-clients",
		in:       func(t *testing.T) charmtest.State { return edit(readyState(), running(t), notLeader) },
		wantFail: "You need to run this action from the leader unit",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			admin := newFakeAdmin()
			for _, c := range tt.clients {
				admin.add(c)
			}
			maps.Copy(admin.fail, tt.adminFail)
			var in charmtest.State
			if tt.in != nil {
				in = tt.in(t)
			} else {
				in = edit(readyState(), running(t))
			}
			out := contextWith(t, admin).RunAction(t, tt.action, tt.params, in)
			if out.Err != nil {
				t.Fatalf("%v\nlogs %q", out.Err, out.Logs)
			}
			if out.ActionFailed != (tt.wantFail != "") || out.ActionMessage != tt.wantFail {
				t.Errorf("failed=%v %q, want %q\nlogs %q", out.ActionFailed, out.ActionMessage, tt.wantFail, out.Logs)
			}
			if tt.wantResults != nil && !reflect.DeepEqual(out.ActionResults, tt.wantResults) {
				t.Errorf("results\n got %v\nwant %v", out.ActionResults, tt.wantResults)
			}
			if got := admin.Calls(); !slices.Equal(got, tt.wantCalls) {
				t.Errorf("admin calls %q, want %q", got, tt.wantCalls)
			}
			if tt.check != nil {
				tt.check(t, admin)
			}
			for _, l := range out.Logs {
				if strings.Contains(l, "op-s3cret") {
					t.Errorf("client secret logged: %q", l)
				}
			}
		})
	}
}

func TestRotateKeyRejectsUnknownAlgorithms(t *testing.T) {
	t.Parallel()
	out := contextWith(t, newFakeAdmin()).RunAction(t, "rotate-key", map[string]any{"algorithm": "HS256"}, readyState())
	if out.Err == nil {
		t.Fatal("Juju would refuse the parameter")
	}
}

func TestSecretKeyActions(t *testing.T) {
	t.Parallel()
	const newKey = "a-brand-new-system-key-000"
	tests := []struct {
		name        string
		action      string
		params      map[string]any
		in          charmtest.State
		wantFail    string
		wantResults map[string]any
		check       func(t *testing.T, out charmtest.Output)
	}{{
		name: "get the system keys", action: "get-secret-keys", params: map[string]any{"type": "system"}, in: readyState(),
		wantResults: map[string]any{"system": `["` + systemKey + `"]`},
	}, {
		name: "get without peer relation", action: "get-secret-keys", params: map[string]any{"type": "cookie"},
		in: edit(readyState(), without(peerEndpoint)), wantFail: "Peer integration is not ready yet",
	}, {
		name: "get before the keys exist", action: "get-secret-keys", params: map[string]any{"type": "cookie"},
		in: edit(readyState(), withoutSecret(cookieKeys.label), notLeader), wantFail: "Juju secrets are not ready yet",
	}, {
		name: "add a key: active, old one kept, Hydra reconfigured, units told", action: "add-secret-key",
		params: map[string]any{"type": "system", "key": newKey}, in: readyState(),
		check: func(t *testing.T, out charmtest.Output) {
			s, _ := ownedSecret(out.State, systemKeys.label)
			want := map[string]string{"system-1700000000-000": systemKey, "system-1750000000-001": newKey}
			if !maps.Equal(s.Content, want) {
				t.Errorf("secret %v, want %v", s.Content, want)
			}
			if c := renderedConfig(t, out.State); c == nil || !slices.Equal(c.Secrets.System, []string{newKey, systemKey}) {
				t.Errorf("hydra.yaml %+v", c)
			}
			if localApp(out.State, peerEndpoint)[keysChangedKey] == "" {
				t.Error("peer units not told")
			}
		},
	}, {
		name: "add a short key", action: "add-secret-key", params: map[string]any{"type": "cookie", "key": "short"}, in: readyState(),
		wantFail: "Key must have at least 16 characters",
	}, {
		name: "add on a unit that is not the leader", action: "add-secret-key", params: map[string]any{"type": "cookie", "key": newKey},
		in: edit(readyState(), notLeader), wantFail: "You need to run this action from the leader unit",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := newContext(t).RunAction(t, tt.action, tt.params, tt.in)
			if out.Err != nil {
				t.Fatal(out.Err)
			}
			if out.ActionFailed != (tt.wantFail != "") || out.ActionMessage != tt.wantFail {
				t.Errorf("failed=%v %q, want %q", out.ActionFailed, out.ActionMessage, tt.wantFail)
			}
			if tt.wantResults != nil && !reflect.DeepEqual(out.ActionResults, tt.wantResults) {
				t.Errorf("results %v, want %v", out.ActionResults, tt.wantResults)
			}
			if tt.check != nil {
				tt.check(t, out)
			}
		})
	}
}

func TestShellSplit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{`a=b c=d`, []string{"a=b", "c=d"}, ""},
		{`foo='bar qux' baz=quux`, []string{"foo=bar qux", "baz=quux"}, ""},
		{`  x="a \"q\" \\ \n"  `, []string{`x=a "q" \ \n`}, ""},
		{`x=a\ b`, []string{"x=a b"}, ""},
		{`x='unterminated`, nil, "No closing quotation"},
		{``, nil, ""},
	} {
		got, err := shellSplit(tc.in)
		if (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) || !slices.Equal(got, tc.want) {
			t.Errorf("shellSplit(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestPyRepr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, "[]"},
		{[]string{"https://example.com"}, "['https://example.com']"},
		{[]string{"a", "b c"}, "['a', 'b c']"},
		{[]string{"it's"}, `["it's"]`},
		{[]string{`it's "x"`}, `['it\'s "x"']`},
		{[]string{"back\\slash\n"}, `['back\\slash\n']`},
	} {
		if got := pyRepr(tc.in); got != tc.want {
			t.Errorf("pyRepr(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
