package controller_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// TestPlatform deploys the project's bundle the way an operator would,
// plus a login UI and an OAuth application (the oauth-test-app charm, a
// go-oidc relying party), and checks the identity platform end to end
// through Traefik from the host: discovery and JWKS on the public URL,
// the admin API only on the admin ingress, a client per oauth relation
// whose secret the app reads from its granted Juju secret, JWT and opaque
// access tokens, the refusal paths of Hydra's actions, the database
// relation removed and re-added, and a controller restart. TestHydra
// covers the rest of the reference's integration test.
func TestPlatform(t *testing.T) {
	e := newEnv(t)
	ph := newPhases(t)

	p := deployPlatform(t, e, true)
	for _, app := range []string{"postgresql-k8s", "traefik-public", "traefik-admin"} {
		if st := e.status().Applications[app].Units[app+"/0"].WorkloadStatus; st.Status != "active" {
			e.dumpLog()
			t.Fatalf("%s/0: %s %q", app, st.Status, st.Info)
		}
	}
	wantAppStatus(t, e, "test-app", "blocked", "Missing integration oauth")
	ph.done("deploy bundle + login-ui + test-app")

	// Discovery and JWKS on the public URL, with the public URL as issuer.
	var discovery map[string]any
	if err := json.Unmarshal([]byte(getOKTB(t, e, p.public+"/.well-known/openid-configuration")), &discovery); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"issuer": p.public, "token_endpoint": p.public + "/oauth2/token", "jwks_uri": p.public + "/.well-known/jwks.json",
	} {
		if discovery[k] != want {
			t.Errorf("discovery %s = %v, want %s", k, discovery[k], want)
		}
	}
	kids := jwksKIDs(t, e, p.public)
	if len(kids) == 0 {
		t.Fatal("the JWKS has no keys")
	}
	// The admin API only on the admin ingress.
	if code, _, err := get(e.ctx, p.public+"/admin/clients", ""); err != nil || code != http.StatusNotFound {
		t.Errorf("GET %s/admin/clients on traefik-public: %d %v, want 404", p.public, code, err)
	}
	getOKTB(t, e, p.admin+"/admin/clients")
	ph.done("ingress: discovery, JWKS, admin")

	// `juju integrate test-app hydra:oauth`: a client, whose secret the
	// app reads from the Juju secret granted to it.
	integrateApps(t, e, "test-app", "hydra:oauth")
	e.settle()
	st := e.status().Applications["test-app"].Units["test-app/0"].WorkloadStatus
	appClient, ok := strings.CutPrefix(st.Info, "Client ")
	appClient, _ = strings.CutSuffix(appClient, " registered")
	if st.Status != "active" || !ok || appClient == "" {
		e.dumpLog()
		t.Fatalf("test-app/0: %s %q", st.Status, st.Info)
	}
	info := mustRun(t, e, "test-app/0", "client-info")
	if info.Output["client-id"] != appClient || info.Output["issuer"] != p.public {
		t.Errorf("client-info: %v, want client %s, issuer %s", info.Output, appClient, p.public)
	}
	wantOAuthDatabag(t, e, appClient)
	if kind := runUntil(t, e, "test-app/0", "token").Output["kind"]; kind != "jwt" {
		t.Errorf("token: kind %v, want jwt", kind)
	}
	ph.done("integrate test-app hydra:oauth")

	// Opaque access tokens, and back.
	for _, c := range []struct{ jwt, kind string }{{"false", "opaque"}, {"true", "jwt"}} {
		configure(t, e, "hydra", "jwt_access_tokens="+c.jwt)
		wantAppStatus(t, e, "hydra", "active", "")
		if kind := runUntil(t, e, "test-app/0", "token").Output["kind"]; kind != c.kind {
			t.Errorf("jwt_access_tokens=%s: token kind %v, want %s", c.jwt, kind, c.kind)
		}
	}
	ph.done("jwt_access_tokens false and back")

	// The actions TestHydra does not cover: success and refusal paths.
	res := mustRun(t, e, "hydra/0", "create-oauth-client", "name=platform", "metadata=team=platform",
		"grant-types=[client_credentials]", "client-secret=platform-secret")
	opClient, _ := res.Output["client-id"].(string)
	if opClient == "" || metadata(res)["team"] != "platform" || res.Output["name"] != "platform" ||
		res.Output["client-secret"] != "platform-secret" {
		t.Fatalf("create-oauth-client: client %q, name %v, metadata %v", opClient, res.Output["name"], metadata(res))
	}
	wantRefused(t, e, "Invalid key-value pair", "hydra/0", "create-oauth-client", "metadata=team")
	wantRefused(t, e, "Failed to get the OAuth client", "hydra/0", "get-oauth-client-info", "client-id=no-such-client")
	wantRefused(t, e, "managed by an `oauth` integration", "hydra/0", "update-oauth-client", "client-id="+appClient, "name=renamed")
	wantRefused(t, e, "Failed to get the OAuth client no-such-client", "hydra/0", "update-oauth-client", "client-id=no-such-client", "name=renamed")
	wantRefused(t, e, "Failed to get the OAuth client no-such-client", "hydra/0", "delete-oauth-client", "client-id=no-such-client")
	wantRejected(t, e, `"client-id" property is missing and required`, "hydra/0", "get-oauth-client-info")
	res = mustRun(t, e, "hydra/0", "update-oauth-client", "client-id="+opClient, "name=renamed")
	if res.Output["name"] != "renamed" || metadata(res)["team"] != "platform" || res.Output["grant-types"] != "['client_credentials']" {
		t.Errorf("update-oauth-client merges over the client: name %v, metadata %v, grant-types %v",
			res.Output["name"], metadata(res), res.Output["grant-types"])
	}
	if tok := clientCredentialsToken(t, e, p.public, opClient, "platform-secret"); strings.Count(tok, ".") != 2 {
		t.Error("the action's client gets no JWT")
	}
	mustRun(t, e, "hydra/0", "revoke-oauth-client-access-tokens", "client-id="+opClient)

	res = mustRun(t, e, "hydra/0", "rotate-key", "algorithm=ES256")
	if kid, _ := res.Output["new-key-id"].(string); kid == "" || !slices.Contains(jwksKIDs(t, e, p.public), kid) {
		t.Errorf("rotate-key algorithm=ES256 %v: key not in the JWKS", res.Output)
	}
	wantRejected(t, e, "(root).algorithm : must match one of the enum values", "hydra/0", "rotate-key", "algorithm=HS256")

	mustRun(t, e, "hydra/0", "reconcile-oauth-clients")

	wantRejected(t, e, `"type" property is missing and required`, "hydra/0", "get-secret-keys")
	wantRejected(t, e, "(root).type : must match one of the enum values", "hydra/0", "get-secret-keys", "type=other")
	wantRefused(t, e, "at least 16 characters", "hydra/0", "add-secret-key", "type=system", "key=too-short")
	newKey := randomHex(t, 16)
	mustRun(t, e, "hydra/0", "add-secret-key", "type=system", "key="+newKey)
	e.settle()
	var systemKeys []string
	raw, _ := mustRun(t, e, "hydra/0", "get-secret-keys", "type=system").Output["system"].(string)
	if err := json.Unmarshal([]byte(raw), &systemKeys); err != nil || len(systemKeys) < 2 || systemKeys[0] != newKey {
		t.Errorf("get-secret-keys type=system after add-secret-key: %d keys, new key first: %v (%v)",
			len(systemKeys), len(systemKeys) > 0 && systemKeys[0] == newKey, err)
	}
	// Hydra, restarted on the new system secret, still decrypts what the
	// old one encrypted: the signing keys and the clients.
	wantAppStatus(t, e, "hydra", "active", "")
	if kind := runUntil(t, e, "test-app/0", "token").Output["kind"]; kind != "jwt" {
		t.Errorf("token after add-secret-key: kind %v", kind)
	}

	wantRefused(t, e, "timeout must be a positive number", "hydra/0", "run-migration", "timeout=0")
	mustRun(t, e, "hydra/0", "run-migration", "timeout=60")
	e.settle()
	wantAppStatus(t, e, "hydra", "active", "")
	ph.done("actions: success and refusal")

	// Without its database Hydra is blocked, stopped, and its actions say
	// so; the relation re-added, it recovers with its clients.
	clients := oauthClients(t, e, "hydra/0")
	if !slices.Contains(clients, appClient) || !slices.Contains(clients, opClient) {
		t.Fatalf("list-oauth-clients %v: want %s and %s", clients, appClient, opClient)
	}
	removeRelation(t, e, "hydra:pg-database", "postgresql-k8s:database")
	e.settle()
	wantAppStatus(t, e, "hydra", "blocked", "Missing integration pg-database")
	const notReady = "Service is not ready. Please re-run the action when the charm is active"
	wantRefused(t, e, notReady, "hydra/0", "list-oauth-clients")
	wantRefused(t, e, notReady, "hydra/0", "create-oauth-client", "grant-types=[client_credentials]")
	wantRefused(t, e, notReady, "hydra/0", "get-oauth-client-info", "client-id="+opClient)
	wantRefused(t, e, notReady, "hydra/0", "update-oauth-client", "client-id="+opClient, "name=x")
	wantRefused(t, e, notReady, "hydra/0", "delete-oauth-client", "client-id="+opClient)
	wantRefused(t, e, notReady, "hydra/0", "revoke-oauth-client-access-tokens", "client-id="+opClient)
	wantRefused(t, e, notReady, "hydra/0", "rotate-key")
	wantRefused(t, e, notReady, "hydra/0", "reconcile-oauth-clients")
	wantRefused(t, e, "The database is not ready", "hydra/0", "run-migration")
	ph.done("pg-database removed")

	integrateApps(t, e, "hydra:pg-database", "postgresql-k8s:database")
	e.settle()
	wantAppStatus(t, e, "hydra", "active", "")
	if got := oauthClients(t, e, "hydra/0"); !slices.Equal(got, clients) {
		t.Errorf("clients after the database came back: %v, want %v", got, clients)
	}
	if id := mustRun(t, e, "test-app/0", "client-info").Output["client-id"]; id != appClient {
		t.Errorf("test-app's client after the database came back: %v, want %s", id, appClient)
	}
	if kind := runUntil(t, e, "test-app/0", "token").Output["kind"]; kind != "jwt" {
		t.Errorf("token after the database came back: kind %v", kind)
	}
	ph.done("pg-database re-added")

	// A controller restart (every pod anew) keeps every client and key.
	kids = jwksKIDs(t, e, p.public)
	e.restart()
	e.settle()
	wantAppStatus(t, e, "hydra", "active", "")
	p = platformURLs(t, e)
	if got := jwksKIDs(t, e, p.public); !slices.Equal(got, kids) {
		t.Errorf("JWKS after a restart: %v, want %v", got, kids)
	}
	if got := oauthClients(t, e, "hydra/0"); !slices.Equal(got, clients) {
		t.Errorf("clients after a restart: %v, want %v", got, clients)
	}
	if kind := runUntil(t, e, "test-app/0", "token").Output["kind"]; kind != "jwt" {
		t.Errorf("token after a restart: kind %v", kind)
	}
	ph.done("controller restart")

	// The leader-only actions, refused on another unit.
	if _, err := e.c.Scale(e.ctx, api.ScaleRequest{Model: "test", Application: "hydra", Delta: 1}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	var follower string
	for name, u := range e.status().Applications["hydra"].Units {
		if !u.Leader {
			follower = name
		}
	}
	if follower == "" {
		t.Fatal("no second hydra unit")
	}
	const leaderOnly = "You need to run this action from the leader unit"
	wantRefused(t, e, "Only the leader unit can run the database migration", follower, "run-migration")
	wantRefused(t, e, leaderOnly, follower, "reconcile-oauth-clients")
	wantRefused(t, e, leaderOnly, follower, "add-secret-key", "type=cookie", "key="+randomHex(t, 16))
	ph.done("non-leader refusals")
}

// wantOAuthDatabag checks what Hydra published to test-app: the client ID
// in the clear, its secret only as the URI of a Juju secret.
func wantOAuthDatabag(t *testing.T, e *env, client string) {
	t.Helper()
	for _, rd := range showUnit(t, e, "test-app/0").RelationData {
		if rd.Endpoint != "oauth" {
			continue
		}
		data := rd.ApplicationData
		if data["client_id"] != client {
			t.Errorf("oauth databag client_id = %v, want %s", data["client_id"], client)
		}
		if uri := fmt.Sprint(data["client_secret_id"]); !strings.HasPrefix(uri, "secret:") {
			t.Errorf("oauth databag client_secret_id = %q, want a secret URI", uri)
		}
		if _, ok := data["client_secret"]; ok {
			t.Error("oauth databag has a plain client_secret")
		}
		return
	}
	t.Error("test-app/0 has no oauth relation data")
}

// metadata is a client action's metadata.<key> results, which Juju nests
// under metadata.
func metadata(res api.TaskResult) map[string]any {
	m, _ := res.Output["metadata"].(map[string]any)
	return m
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
