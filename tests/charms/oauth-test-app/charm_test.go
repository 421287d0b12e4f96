package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/interfaces/oauth"
)

const (
	secretURI  = "secret:cjqub6vubg2s77p3nio0"
	relationID = 7
)

func newContext(t testing.TB, appURL string) *charmtest.Context {
	t.Helper()
	meta, err := charmcraft.Load("charmcraft.yaml")
	if err != nil {
		t.Fatal(err)
	}
	self := func() ([]byte, error) { return []byte("binary"), nil }
	return &charmtest.Context{Charm: oauthTestApp{self: self, appURL: appURL}, Meta: meta, ModelName: "test"}
}

var hydraInfo = oauth.ProviderInfo{
	IssuerURL: "http://hydra.test", AuthorizationEndpoint: "http://hydra.test/oauth2/auth", TokenEndpoint: "http://hydra.test/oauth2/token",
	IntrospectionEndpoint: "http://hydra.test/admin/oauth2/introspect", UserinfoEndpoint: "http://hydra.test/userinfo",
	JWKSEndpoint: "http://hydra.test/.well-known/jwks.json", Scope: "openid profile email offline_access", JWTAccessToken: true,
}

// providerData is Hydra's application databag: its info and, when
// registered, the client.
func providerData(t testing.TB, info oauth.ProviderInfo, registered bool) map[string]string {
	t.Helper()
	bag, err := oauth.EncodeProviderInfo(info)
	if err != nil {
		t.Fatal(err)
	}
	if registered {
		client, err := oauth.EncodeClient(testClientID, secretURI)
		if err != nil {
			t.Fatal(err)
		}
		maps.Copy(bag, client)
	}
	return bag
}

func oauthRelation(remote map[string]string) charmtest.Relation {
	return charmtest.Relation{Endpoint: endpoint, ID: relationID, RemoteApp: "hydra",
		RemoteUnits: map[int]map[string]string{0: {}}, RemoteAppData: remote}
}

func clientSecret() charmtest.Secret {
	return charmtest.Secret{ID: secretURI, Content: map[string]string{oauth.SecretField: testClientSecret}}
}

func appContainer(connect bool) charmtest.Container {
	return charmtest.Container{Name: containerName, CanConnect: connect}
}

// A running app with a client, as a previous hook left it.
func servingContainer() charmtest.Container {
	return charmtest.Container{Name: containerName, CanConnect: true,
		Layers: map[string]string{layerLabel: string(appLayer())}, LayerOrder: []string{layerLabel},
		Services: map[string]string{serviceName: "active"},
		Files:    map[string]charmtest.File{clientPath: {Content: []byte(`{"client_id":"c-1","client_secret":"` + testClientSecret + `"}`), Permissions: 0o600}},
	}
}

func TestReconcile(t *testing.T) {
	t.Parallel()
	ctx := newContext(t, defaultAppURL)
	wantRequest := map[string]string{
		"redirect_uri":               "http://10.1.0.10:8080/callback",
		"grant_types":                `["authorization_code", "client_credentials", "refresh_token"]`,
		"scope":                      "openid profile email",
		"audience":                   "[]",
		"token_endpoint_auth_method": "client_secret_basic",
	}
	for _, tc := range []struct {
		name        string
		leader      bool
		config      map[string]any
		rels        []charmtest.Relation
		ctr         charmtest.Container
		want        charmtest.Status
		wantRequest map[string]string // nil: the local app databag is not checked
		wantServing bool
	}{
		{name: "no relation", leader: true, ctr: appContainer(true),
			want: charmtest.Status{Name: "blocked", Message: "Missing integration oauth"}},
		{name: "no relation, container not up", leader: true, ctr: appContainer(false),
			want: charmtest.Status{Name: "blocked", Message: "Missing integration oauth"}},
		{name: "no relation any more: app stopped, secret withdrawn", leader: true, ctr: servingContainer(),
			want: charmtest.Status{Name: "blocked", Message: "Missing integration oauth"}},
		{name: "bad grant type", leader: true, config: map[string]any{"grant-types": "client_credentials, password"},
			rels: []charmtest.Relation{oauthRelation(nil)}, ctr: appContainer(true),
			want: charmtest.Status{Name: "blocked", Message: `Invalid config grant-types: invalid grant type "password", must be one of authorization_code, refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:device_code`}},
		{name: "no grant type", leader: true, config: map[string]any{"grant-types": " , "}, ctr: appContainer(true),
			want: charmtest.Status{Name: "blocked", Message: "Invalid config grant-types: no grant type"}},
		{name: "empty scope", leader: true, config: map[string]any{"scope": " "}, ctr: appContainer(true),
			want: charmtest.Status{Name: "blocked", Message: "Invalid config scope: missing"}},
		{name: "relative redirect path", leader: true, config: map[string]any{"redirect-path": "callback"}, ctr: appContainer(true),
			want: charmtest.Status{Name: "blocked", Message: "Invalid config redirect-path: must start with /"}},
		{name: "redirect path with a query", leader: true, config: map[string]any{"redirect-path": "/cb?x=1"}, ctr: appContainer(true),
			want: charmtest.Status{Name: "blocked", Message: "Invalid config redirect-path: must be a plain path (no query, fragment or spaces)"}},
		{name: "redirect path is the app's own", leader: true, config: map[string]any{"redirect-path": "/token"}, ctr: appContainer(true),
			want: charmtest.Status{Name: "blocked", Message: "Invalid config redirect-path: /token is one of the app's own paths"}},
		{name: "provider silent", leader: true, rels: []charmtest.Relation{oauthRelation(nil)}, ctr: appContainer(true),
			want: charmtest.Status{Name: "waiting", Message: "Waiting for the OAuth provider to register the client"}, wantRequest: wantRequest},
		{name: "provider info only", leader: true, rels: []charmtest.Relation{oauthRelation(providerData(t, hydraInfo, false))}, ctr: appContainer(true),
			want: charmtest.Status{Name: "waiting", Message: "Waiting for the OAuth provider to register the client"}, wantRequest: wantRequest},
		{name: "client withdrawn: app stopped", leader: true, rels: []charmtest.Relation{oauthRelation(providerData(t, hydraInfo, false))}, ctr: servingContainer(),
			want: charmtest.Status{Name: "waiting", Message: "Waiting for the OAuth provider to register the client"}, wantRequest: wantRequest},
		{name: "client-credentials only, other path", leader: true,
			config: map[string]any{"grant-types": "client_credentials", "redirect-path": "/oauth/cb", "scope": "  read   write "},
			rels:   []charmtest.Relation{oauthRelation(nil)}, ctr: appContainer(true),
			want: charmtest.Status{Name: "waiting", Message: "Waiting for the OAuth provider to register the client"},
			wantRequest: map[string]string{"redirect_uri": "http://10.1.0.10:8080/oauth/cb", "grant_types": `["client_credentials"]`,
				"scope": "read write", "audience": "[]", "token_endpoint_auth_method": "client_secret_basic"}},
		{name: "bad provider data", leader: true, rels: []charmtest.Relation{oauthRelation(map[string]string{"issuer_url": "http://hydra.test"})}, ctr: appContainer(true),
			want: charmtest.Status{Name: "blocked", Message: `Invalid data on integration oauth: oauth relation 7, data from hydra: key "authorization_endpoint": missing`}},
		{name: "registered, Pebble not up", leader: true, rels: []charmtest.Relation{oauthRelation(providerData(t, hydraInfo, true))}, ctr: appContainer(false),
			want: charmtest.Status{Name: "waiting", Message: "Waiting for Pebble in container app"}, wantRequest: wantRequest},
		{name: "registered", leader: true, rels: []charmtest.Relation{oauthRelation(providerData(t, hydraInfo, true))}, ctr: appContainer(true),
			want: charmtest.Status{Name: "active", Message: "Client c-1 registered"}, wantRequest: wantRequest, wantServing: true},
		{name: "registered, already serving", leader: true, rels: []charmtest.Relation{oauthRelation(providerData(t, hydraInfo, true))}, ctr: servingContainer(),
			want: charmtest.Status{Name: "active", Message: "Client c-1 registered"}, wantRequest: wantRequest, wantServing: true},
		{name: "registered, not leader: no request written", rels: []charmtest.Relation{oauthRelation(providerData(t, hydraInfo, true))}, ctr: appContainer(true),
			want: charmtest.Status{Name: "active", Message: "Client c-1 registered"}, wantRequest: map[string]string{}, wantServing: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := charmtest.State{Leader: tc.leader, Config: tc.config, Relations: tc.rels,
				Secrets: []charmtest.Secret{clientSecret()}, Containers: []charmtest.Container{tc.ctr}}
			run := ctx.Run(t, charmtest.Hook(charm.ConfigChanged), in)
			if run.Err != nil {
				t.Fatal(run.Err)
			}
			out := run.State
			if out.UnitStatus != tc.want {
				t.Errorf("status %+v, want %+v", out.UnitStatus, tc.want)
			}
			if tc.wantRequest != nil {
				if got := out.Relations[0].LocalAppData; !maps.Equal(got, tc.wantRequest) && !(len(got) == 0 && len(tc.wantRequest) == 0) {
					t.Errorf("request %v\nwant %v", got, tc.wantRequest)
				}
			}
			ctr := out.Containers[0]
			if tc.wantServing {
				checkServing(t, ctr, tc.wantRequest["redirect_uri"])
			} else if ctr.CanConnect {
				if ctr.Services[serviceName] == "active" {
					t.Errorf("the app runs without a client")
				}
				if f, ok := ctr.Files[clientPath]; ok && string(f.Content) != emptyClientFile {
					t.Errorf("client file %q without a client", f.Content)
				}
			}
			assertNoSecretLeak(t, run)
		})
	}
}

// checkServing checks the binary, the client file and the layer of a
// serving app.
func checkServing(t *testing.T, ctr charmtest.Container, redirect string) {
	t.Helper()
	if f := ctr.Files[binaryPath]; string(f.Content) != "binary" || f.Permissions != 0o755 {
		t.Errorf("binary %q mode %o", f.Content, f.Permissions)
	}
	f := ctr.Files[clientPath]
	if f.Permissions != 0o600 {
		t.Errorf("client file mode %o, want 600", f.Permissions)
	}
	var got clientFile
	if err := json.Unmarshal(f.Content, &got); err != nil {
		t.Fatalf("client file: %v", err)
	}
	want := clientFile{ClientID: testClientID, ClientSecret: testClientSecret, Scope: "openid profile email",
		IssuerURL: hydraInfo.IssuerURL, AuthorizationEndpoint: hydraInfo.AuthorizationEndpoint, TokenEndpoint: hydraInfo.TokenEndpoint,
		IntrospectionEndpoint: hydraInfo.IntrospectionEndpoint, UserinfoEndpoint: hydraInfo.UserinfoEndpoint, JWKSEndpoint: hydraInfo.JWKSEndpoint,
		JWTAccessToken: true, RedirectURI: "http://10.1.0.10:8080/callback"}
	if redirect != "" && redirect != want.RedirectURI {
		t.Errorf("the request's redirect URI %s is not the app's", redirect)
	}
	if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) || got.ClientSecret != want.ClientSecret {
		t.Errorf("client file %s", f.Content)
	}
	layer := ctr.Layers[layerLabel]
	for _, s := range []string{
		"command: /opt/oauthapp/oauthapp serve --port 8080 --client-file /etc/oauthapp/client.json",
		"url: http://localhost:8080/healthz", "level: ready",
	} {
		if !strings.Contains(layer, s) {
			t.Errorf("layer lacks %q:\n%s", s, layer)
		}
	}
	if ctr.Services[serviceName] != "active" {
		t.Errorf("service %q", ctr.Services[serviceName])
	}
}

// assertNoSecretLeak: the client secret is in the client file and the
// Juju secret only.
func assertNoSecretLeak(t *testing.T, run charmtest.Output) {
	t.Helper()
	var where []string
	check := func(name, s string) {
		if strings.Contains(s, testClientSecret) {
			where = append(where, name)
		}
	}
	check("logs", strings.Join(run.Logs, "\n"))
	check("action logs", strings.Join(run.ActionLogs, "\n"))
	check("unit status", run.State.UnitStatus.Message)
	check("action message", run.ActionMessage)
	check("action results", fmt.Sprint(run.ActionResults))
	if run.Err != nil {
		check("error", run.Err.Error())
	}
	for _, rel := range run.State.Relations {
		check("local app data", fmt.Sprint(rel.LocalAppData))
		check("local unit data", fmt.Sprint(rel.LocalUnitData))
	}
	for _, ctr := range run.State.Containers {
		check("layers", fmt.Sprint(ctr.Layers))
		check("execs", fmt.Sprint(ctr.ExecLog))
	}
	if len(where) > 0 {
		t.Errorf("the client secret is in: %s", strings.Join(where, ", "))
	}
}

// TestPebbleReadyAfterPodChurn: a fresh container (no files, no layer)
// gets everything back on pebble-ready.
func TestPebbleReadyAfterPodChurn(t *testing.T) {
	t.Parallel()
	ctx := newContext(t, defaultAppURL)
	in := charmtest.State{Leader: true, Relations: []charmtest.Relation{oauthRelation(providerData(t, hydraInfo, true))},
		Secrets: []charmtest.Secret{clientSecret()}, Containers: []charmtest.Container{appContainer(true)}}
	out := ctx.MustRun(t, charmtest.PebbleReadyEvent(containerName), in)
	checkServing(t, out.Containers[0], "")
	// The same hook again changes nothing.
	again := ctx.MustRun(t, charmtest.PebbleReadyEvent(containerName), out)
	if !maps.EqualFunc(again.Containers[0].Files, out.Containers[0].Files, func(a, b charmtest.File) bool { return string(a.Content) == string(b.Content) }) {
		t.Error("files changed on a second pebble-ready")
	}
}

func TestClientInfoAction(t *testing.T) {
	t.Parallel()
	ctx := newContext(t, defaultAppURL)
	for _, tc := range []struct {
		name       string
		rels       []charmtest.Relation
		wantFailed string
		want       map[string]any
	}{
		{"registered", []charmtest.Relation{oauthRelation(providerData(t, hydraInfo, true))}, "",
			map[string]any{"client-id": testClientID, "issuer": "http://hydra.test"}},
		{"not registered", []charmtest.Relation{oauthRelation(providerData(t, hydraInfo, false))}, "no OAuth client registered yet", nil},
		{"no relation", nil, "no OAuth client registered yet", nil},
	} {
		in := charmtest.State{Leader: true, Relations: tc.rels, Secrets: []charmtest.Secret{clientSecret()}, Containers: []charmtest.Container{appContainer(true)}}
		run := ctx.RunAction(t, "client-info", nil, in)
		if run.Err != nil {
			t.Fatalf("%s: %v", tc.name, run.Err)
		}
		if run.ActionFailed != (tc.wantFailed != "") || run.ActionMessage != tc.wantFailed {
			t.Errorf("%s: failed=%v %q", tc.name, run.ActionFailed, run.ActionMessage)
		}
		if tc.want != nil && !maps.Equal(run.ActionResults, tc.want) {
			t.Errorf("%s: results %v", tc.name, run.ActionResults)
		}
		assertNoSecretLeak(t, run)
	}
}

// TestTokenAction runs the action against the real app handler (as the
// pod's localhost would serve it) and a fake provider.
func TestTokenAction(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		opaque     bool
		secret     string
		params     map[string]any
		want       map[string]any
		wantFailed string
	}{
		{name: "jwt", want: map[string]any{"token-type": "Bearer", "kind": "jwt", "expires-in": "3599"}},
		{name: "opaque, scoped", opaque: true, params: map[string]any{"scope": "read"},
			want: map[string]any{"token-type": "Bearer", "kind": "opaque", "expires-in": "3599", "scope": "read"}},
		{name: "rejected", secret: "wrong-secret",
			wantFailed: `the app answered 502 Bad Gateway: token_request_failed: oauth2: "invalid_client" "Client authentication failed."`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newFakeProvider(t, tc.opaque)
			f := p.clientFile("http://10.1.0.10:8080/callback")
			if tc.secret != "" {
				f.ClientSecret = tc.secret
			}
			app, logs := startApp(t, writeClientFile(t, f))
			ctx := newContext(t, app.URL)
			in := charmtest.State{Leader: true, Relations: []charmtest.Relation{oauthRelation(providerData(t, hydraInfo, true))},
				Secrets: []charmtest.Secret{clientSecret()}, Containers: []charmtest.Container{appContainer(true)}}
			run := ctx.RunAction(t, "token", tc.params, in)
			if run.Err != nil {
				t.Fatal(run.Err)
			}
			if run.ActionFailed != (tc.wantFailed != "") || run.ActionMessage != tc.wantFailed {
				t.Errorf("failed=%v %q", run.ActionFailed, run.ActionMessage)
			}
			if tc.want != nil && !maps.Equal(run.ActionResults, tc.want) {
				t.Errorf("results %v", run.ActionResults)
			}
			assertNoSecretLeak(t, run)
			if strings.Contains(fmt.Sprint(run.ActionResults), "ey") || strings.Contains(logs.String(), "ory_at") {
				t.Errorf("a token leaked: %v\n%s", run.ActionResults, logs)
			}
		})
	}
	t.Run("app not running", func(t *testing.T) {
		t.Parallel()
		ctx := newContext(t, "http://127.0.0.1:1")
		run := ctx.RunAction(t, "token", nil, charmtest.State{Leader: true, Containers: []charmtest.Container{appContainer(true)}})
		if run.Err != nil || !run.ActionFailed || !strings.HasPrefix(run.ActionMessage, "the app did not answer (is the unit active?)") {
			t.Errorf("err=%v failed=%v %q", run.Err, run.ActionFailed, run.ActionMessage)
		}
	})
}
