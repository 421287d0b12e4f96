package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHydraHTTP answers the admin API routes the charm uses, recording
// each request as "METHOD path?query body".
type fakeHydraHTTP struct {
	mu   sync.Mutex
	reqs []string
}

func (f *fakeHydraHTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	line := r.Method + " " + r.URL.Path
	if r.URL.RawQuery != "" {
		line += "?" + r.URL.RawQuery
	}
	if len(body) > 0 {
		line += " " + strings.TrimSpace(string(body))
	}
	f.reqs = append(f.reqs, line)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == "POST" && r.URL.Path == "/admin/clients":
		var c map[string]any
		_ = json.Unmarshal(body, &c)
		c["client_id"], c["client_secret"] = "new-id", "generated"
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(c)
	case r.URL.Path == "/admin/clients/missing":
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":"Unable to locate the resource","error_description":""}`)
	case r.Method == "GET" && r.URL.Path == "/admin/clients/abc":
		_, _ = io.WriteString(w, `{"client_id":"abc","client_name":"n","scope":"openid email","redirect_uris":["https://a/cb"],"metadata":{"integration-id":"7"}}`)
	case r.Method == "PUT" && r.URL.Path == "/admin/clients/abc":
		_, _ = w.Write(body)
	case r.Method == "DELETE" && r.URL.Path == "/admin/clients/abc":
		w.WriteHeader(http.StatusNoContent)
	case r.Method == "GET" && r.URL.Path == "/admin/clients":
		if r.URL.Query().Get("page_token") == "" {
			w.Header().Set("Link", `</admin/clients?page_size=500&page_token=second>; rel="next"`)
			_, _ = io.WriteString(w, `[{"client_id":"one"}]`)
			return
		}
		_, _ = io.WriteString(w, `[{"client_id":"two"}]`)
	case r.Method == "DELETE" && r.URL.Path == "/admin/oauth2/tokens":
		w.WriteHeader(http.StatusNoContent)
	case r.Method == "POST" && r.URL.Path == "/admin/keys/hydra.openid.id-token":
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"keys":[{"kid":"k1","alg":"RS256","kty":"RSA","use":"sig"}]}`)
	case r.Method == "POST" && r.URL.Path == "/admin/keys/bad":
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"invalid_request","error_description":"unsupported algorithm"}`)
	default:
		w.WriteHeader(http.StatusTeapot)
	}
}

func TestHTTPAdmin(t *testing.T) {
	t.Parallel()
	fake := &fakeHydraHTTP{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	a := newHTTPAdmin(srv.URL)
	ctx := t.Context()

	created, err := a.CreateClient(ctx, oauthClient{Scope: "openid", GrantTypes: []string{"client_credentials"},
		Metadata: map[string]any{"integration-id": "7"}})
	if err != nil || created.ID != "new-id" || created.Secret != "generated" || created.integrationID() != "7" {
		t.Errorf("create: %v %v", created, err)
	}
	got, err := a.GetClient(ctx, "abc")
	if err != nil || got.Name != "n" || got.Scope != "openid email" || !slices.Equal(got.RedirectURIs, []string{"https://a/cb"}) || got.integrationID() != "7" {
		t.Errorf("get: %v %v", got, err)
	}
	if _, err := a.GetClient(ctx, "missing"); !errors.Is(err, errClientNotFound) {
		t.Errorf("get missing: %v", err)
	}
	if _, err := a.UpdateClient(ctx, oauthClient{ID: "abc", Name: "m"}); err != nil {
		t.Errorf("update: %v", err)
	}
	if err := a.DeleteClient(ctx, "abc"); err != nil {
		t.Errorf("delete: %v", err)
	}
	if err := a.DeleteClient(ctx, "missing"); !errors.Is(err, errClientNotFound) {
		t.Errorf("delete missing: %v", err)
	}
	list, err := a.ListClients(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "one" || list[1].ID != "two" {
		t.Errorf("list: %v %v", list, err)
	}
	if err := a.RevokeAccessTokens(ctx, "abc"); err != nil {
		t.Errorf("revoke: %v", err)
	}
	if kid, err := a.CreateKey(ctx, idTokenKeySet, "RS256"); err != nil || kid != "k1" {
		t.Errorf("create key: %q %v", kid, err)
	}
	if _, err := a.CreateKey(ctx, "bad", "XX"); err == nil || err.Error() != "creating a key in bad: invalid_request: unsupported algorithm" {
		t.Errorf("create key error: %v", err)
	}

	want := []string{
		`POST /admin/clients {"grant_types":["client_credentials"],"metadata":{"integration-id":"7"},"scope":"openid"}`,
		`GET /admin/clients/abc`,
		`GET /admin/clients/missing`,
		`PUT /admin/clients/abc {"client_id":"abc","client_name":"m"}`,
		`DELETE /admin/clients/abc`,
		`DELETE /admin/clients/missing`,
		`GET /admin/clients?page_size=500`,
		`GET /admin/clients?page_size=500&page_token=second`,
		`DELETE /admin/oauth2/tokens?client_id=abc`,
		`POST /admin/keys/hydra.openid.id-token {"alg":"RS256","kid":"","use":"sig"}`,
		`POST /admin/keys/bad {"alg":"XX","kid":"","use":"sig"}`,
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if !slices.Equal(fake.reqs, want) {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(fake.reqs, "\n"), strings.Join(want, "\n"))
	}
}

// flakyReady is Hydra starting: not ready for its first n probes.
type flakyReady struct {
	*fakeAdmin
	mu     sync.Mutex
	probes int
	n      int
}

func (f *flakyReady) Ready(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.probes++
	if f.probes <= f.n {
		return errors.New("connection refused")
	}
	return nil
}

func TestGatedAdminWaitsOnce(t *testing.T) {
	t.Parallel()
	inner := &flakyReady{fakeAdmin: newFakeAdmin(), n: 2}
	a := &gatedAdmin{adminAPI: inner, wait: 5 * time.Second}
	if _, err := a.CreateClient(t.Context(), oauthClient{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ListClients(t.Context()); err != nil {
		t.Fatal(err)
	}
	if inner.probes != 3 {
		t.Errorf("%d probes, want 3 (two failures, one success, then none)", inner.probes)
	}

	never := &gatedAdmin{adminAPI: &flakyReady{fakeAdmin: newFakeAdmin(), n: 1 << 30}, wait: 0}
	if _, err := never.CreateClient(t.Context(), oauthClient{}); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %v", err)
	}
}
