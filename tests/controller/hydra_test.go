package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// TestHydra runs the hydra charm with Ory Hydra v2.3.0 in a real pod,
// after the reference's integration test (hydra-operator
// tests/integration/test_charm.py): PostgreSQL (the postgresql-k8s
// charm), two Traefiks for the public and admin ingresses, and the
// oauth-app test charm standing in for the login UI and for an OAuth
// client application. Hydra runs in dev mode, the ingresses being plain
// HTTP.
func TestHydra(t *testing.T) {
	e := newEnv(t)
	deploy := func(charm, app string, resources map[string]string, config ...string) {
		t.Helper()
		_, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: "test", Path: e.charm(charm), ApplicationName: app,
			NumUnits: 1, NumUnitsSet: true, Resources: resources, ConfigFlags: config}, nil)
		if err != nil {
			t.Fatalf("deploy %s: %v", app, err)
		}
	}
	integrate := func(a, b string) {
		t.Helper()
		if _, err := e.c.Integrate(e.ctx, api.IntegrateRequest{Model: "test", Endpoints: []string{a, b}}); err != nil {
			t.Fatalf("integrate %s %s: %v", a, b, err)
		}
	}
	deploy("postgresql-k8s", "postgresql", map[string]string{"postgresql-image": "docker.io/library/postgres:15"})
	deploy("traefik-k8s", "traefik-public", map[string]string{"traefik-image": "docker.io/library/traefik:v3.6"})
	deploy("traefik-k8s", "traefik-admin", map[string]string{"traefik-image": "docker.io/library/traefik:v3.6"})
	deploy("hydra", "hydra", map[string]string{"oci-image": "ghcr.io/canonical/hydra:2.3.0-canonical"}, "dev=true")
	deploy("oauth-app", "login-ui", nil)
	e.settle()
	wantHydraStatus(t, e, "blocked", "Missing integration pg-database")

	integrate("hydra:pg-database", "postgresql:database")
	integrate("hydra:public-ingress", "traefik-public:ingress")
	integrate("hydra:admin-ingress", "traefik-admin:ingress")
	e.settle()
	wantHydraStatus(t, e, "blocked", "Missing required relation with ui-endpoint-info")

	integrate("hydra:ui-endpoint-info", "login-ui:ui-endpoint-info")
	e.settle()
	wantHydraStatus(t, e, "active", "")
	if v := e.status().Applications["hydra"].WorkloadVersion; v != "v2.3.0" {
		t.Errorf("workload version %q", v)
	}

	// The first migration ran and is recorded in the peer data.
	hydra0 := showUnit(t, e, "hydra/0")
	var pgRel int
	var peer map[string]any
	for _, rd := range hydra0.RelationData {
		switch rd.Endpoint {
		case "pg-database":
			pgRel = rd.RelationID
		case "hydra":
			peer = rd.ApplicationData
		}
	}
	if got := peer[fmt.Sprintf("migration_version_%d", pgRel)]; got != `"v2.3.0"` {
		t.Errorf("peer data %v: migration_version_%d = %v", peer, pgRel, got)
	}

	// The public API through traefik-public: Hydra's issuer is the
	// ingress URL.
	public := "http://" + e.status().Applications["traefik-public"].Units["traefik-public/0"].Address + "/test-hydra"
	admin := "http://" + e.status().Applications["traefik-admin"].Units["traefik-admin/0"].Address + "/test-hydra"
	var discovery map[string]any
	if err := json.Unmarshal([]byte(getOK(t, e, public+"/.well-known/openid-configuration", "")), &discovery); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"issuer": public, "authorization_endpoint": public + "/oauth2/auth", "token_endpoint": public + "/oauth2/token",
		"userinfo_endpoint": public + "/userinfo", "jwks_uri": public + "/.well-known/jwks.json",
	} {
		if discovery[k] != want {
			t.Errorf("discovery %s = %v, want %s", k, discovery[k], want)
		}
	}
	// The admin API through traefik-admin.
	getOK(t, e, admin+"/admin/clients", "")

	// Clients made by actions.
	res := hydraRun(t, e, "hydra/0", "create-oauth-client", "redirect-uris=[https://example.com]", "client-secret=secret",
		"grant-types=[client_credentials]")
	clientID, _ := res.Output["client-id"].(string)
	if res.Output["client-secret"] != "secret" || res.Output["redirect-uris"] != "['https://example.com']" || clientID == "" {
		t.Fatalf("create-oauth-client: %+v", res.Output)
	}
	res = hydraRun(t, e, "hydra/0", "list-oauth-clients")
	if s, _ := res.Output["clients"].(string); !strings.Contains(s, `"client-id": "`+clientID+`"`) || strings.Contains(s, "secret\"") {
		t.Errorf("list-oauth-clients: %+v", res.Output)
	}
	res = hydraRun(t, e, "hydra/0", "update-oauth-client", "client-id="+clientID, "redirect-uris=[https://other.app/oauth/callback]")
	if res.Output["redirect-uris"] != "['https://other.app/oauth/callback']" || res.Output["grant-types"] != "['client_credentials']" {
		t.Errorf("update-oauth-client: %+v", res.Output)
	}
	res = hydraRun(t, e, "hydra/0", "get-oauth-client-info", "client-id="+clientID)
	if res.Output["redirect-uris"] != "['https://other.app/oauth/callback']" {
		t.Errorf("get-oauth-client-info: %+v", res.Output)
	}

	// Tokens: JWT by default, opaque with jwt_access_tokens=false.
	if tok := clientCredentialsToken(t, e, public, clientID, "secret"); strings.Count(tok, ".") != 2 {
		t.Errorf("access token %q is not a JWT", tok)
	}
	setHydraConfig(t, e, "jwt_access_tokens=false")
	if tok := clientCredentialsToken(t, e, public, clientID, "secret"); strings.Count(tok, ".") == 2 {
		t.Errorf("access token %q is a JWT with jwt_access_tokens=false", tok)
	}
	setHydraConfig(t, e, "jwt_access_tokens=true")

	res = hydraRun(t, e, "hydra/0", "revoke-oauth-client-access-tokens", "client-id="+clientID)
	if res.Output["client-id"] != clientID {
		t.Errorf("revoke-oauth-client-access-tokens: %+v", res.Output)
	}
	hydraRun(t, e, "hydra/0", "delete-oauth-client", "client-id="+clientID)
	if res := e.run("hydra/0", "get-oauth-client-info", "client-id="+clientID); res.Status != "failed" {
		t.Errorf("get-oauth-client-info after delete: %+v", res)
	}

	// rotate-key: the new key is published.
	res = hydraRun(t, e, "hydra/0", "rotate-key")
	kid, _ := res.Output["new-key-id"].(string)
	if kid == "" || !strings.Contains(getOK(t, e, public+"/.well-known/jwks.json", ""), `"kid":"`+kid+`"`) {
		t.Errorf("rotate-key %+v: key not in the JWKS", res.Output)
	}

	// A client per oauth relation.
	integrate("login-ui:oauth", "hydra:oauth")
	e.settle()
	st := e.status().Applications["login-ui"].Units["login-ui/0"].WorkloadStatus
	relClient, ok := strings.CutPrefix(st.Info, "client ")
	if st.Status != "active" || !ok {
		e.dumpLog()
		t.Fatalf("login-ui/0: %+v", st)
	}
	res = e.run("login-ui/0", "client-credentials")
	secret, _ := res.Output["client-secret"].(string)
	if res.Output["client-id"] != relClient || secret == "" || res.Output["token-endpoint"] != public+"/oauth2/token" {
		t.Fatalf("client-credentials: %+v", res)
	}
	if tok := clientCredentialsToken(t, e, public, relClient, secret); tok == "" {
		t.Error("no token for the relation's client")
	}
	res = e.run("hydra/0", "delete-oauth-client", "client-id="+relClient)
	if res.Status != "failed" || !strings.Contains(res.Message, "managed by an `oauth` integration") {
		t.Errorf("delete-oauth-client on the relation's client: %+v", res)
	}

	// Scale up and down: the client survives.
	if _, err := e.c.Scale(e.ctx, api.ScaleRequest{Model: "test", Application: "hydra", Delta: 1}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	for _, u := range []string{"hydra/0", "hydra/1"} {
		if st := e.status().Applications["hydra"].Units[u].WorkloadStatus; st.Status != "active" {
			e.dumpLog()
			t.Fatalf("%s: %+v", u, st)
		}
	}
	if _, err := e.c.Scale(e.ctx, api.ScaleRequest{Model: "test", Application: "hydra", Delta: -1}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	leader := hydraLeader(t, e)
	if res := e.run(leader, "get-oauth-client-info", "client-id="+relClient); res.Status != "completed" {
		e.dumpLog()
		t.Fatalf("the relation's client is gone after a scale-down: %+v", res)
	}

	// Removing the relation removes the client, lazily: on the leader's
	// next hook.
	if err := e.c.RemoveRelation(e.ctx, api.RemoveRelationRequest{Model: "test", Endpoints: []string{"login-ui:oauth", "hydra:oauth"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	setHydraConfig(t, e, "log_level=debug")
	if res := e.run(leader, "get-oauth-client-info", "client-id="+relClient); res.Status != "failed" {
		t.Errorf("the removed relation's client is still there: %+v", res)
	}

	// Without the login UI Hydra is blocked again, and recovers.
	if err := e.c.RemoveRelation(e.ctx, api.RemoveRelationRequest{Model: "test", Endpoints: []string{"hydra:ui-endpoint-info", "login-ui:ui-endpoint-info"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	wantHydraStatus(t, e, "blocked", "Missing required relation with ui-endpoint-info")
	integrate("hydra:ui-endpoint-info", "login-ui:ui-endpoint-info")
	e.settle()
	wantHydraStatus(t, e, "active", "")
}

func wantHydraStatus(t *testing.T, e *env, status, msg string) {
	t.Helper()
	for name, u := range e.status().Applications["hydra"].Units {
		if st := u.WorkloadStatus; st.Status != status || st.Info != msg {
			e.dumpLog()
			t.Fatalf("%s: %+v, want %s %q", name, st, status, msg)
		}
	}
}

func hydraLeader(t *testing.T, e *env) string {
	t.Helper()
	for name, u := range e.status().Applications["hydra"].Units {
		if u.Leader {
			return name
		}
	}
	t.Fatal("hydra has no leader")
	return ""
}

func showUnit(t *testing.T, e *env, unit string) api.UnitInfo {
	t.Helper()
	infos, err := e.c.ShowUnit(e.ctx, api.ShowUnitRequest{Model: "test", Units: []string{unit}})
	if err != nil || len(infos) != 1 {
		t.Fatalf("show-unit %s: %v", unit, err)
	}
	return infos[0]
}

// hydraRun runs an action that must complete.
func hydraRun(t *testing.T, e *env, args ...string) api.TaskResult {
	t.Helper()
	res := e.run(args...)
	if res.Status != "completed" {
		e.dumpLog()
		t.Fatalf("%v: %+v", args, res)
	}
	return res
}

func setHydraConfig(t *testing.T, e *env, args ...string) {
	t.Helper()
	if err := e.c.SetConfig(e.ctx, api.SetConfigRequest{Model: "test", Application: "hydra", Args: args}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	wantHydraStatus(t, e, "active", "")
}

// clientCredentialsToken gets an access token with the client credentials
// grant, retrying while Hydra restarts with a new configuration.
func clientCredentialsToken(t *testing.T, e *env, public, id, secret string) string {
	t.Helper()
	var last string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		code, body, err := postToken(e.ctx, public+"/oauth2/token", id, secret)
		if err == nil && code == http.StatusOK {
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			if err := json.Unmarshal([]byte(body), &tok); err != nil {
				t.Fatal(err)
			}
			return tok.AccessToken
		}
		last = fmt.Sprintf("%d %q %v", code, body, err)
	}
	e.dumpLog()
	t.Fatalf("POST %s/oauth2/token: %s", public, last)
	return ""
}

func postToken(ctx context.Context, tokenURL, id, secret string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"openid profile"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b), err
}
