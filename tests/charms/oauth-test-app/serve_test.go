package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log destination shared by concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startApp runs the app on the client file at path; the returned buffer
// is its log.
func startApp(t *testing.T, path string) (*httptest.Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	srv := httptest.NewServer(rpApp{clientFile: path, log: log.New(logs, "", 0)}.handler())
	t.Cleanup(srv.Close)
	return srv, logs
}

func get(t *testing.T, c *http.Client, u string) (int, []byte, *http.Response) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body, resp
}

func TestHealthzWithoutClient(t *testing.T) {
	t.Parallel()
	srv, _ := startApp(t, filepath.Join(t.TempDir(), "missing.json"))
	if code, body, _ := get(t, srv.Client(), srv.URL+"/healthz"); code != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	code, body, _ := get(t, srv.Client(), srv.URL+"/token")
	var e errorBody
	if code != http.StatusServiceUnavailable || json.Unmarshal(body, &e) != nil || e.Error != "no_client" {
		t.Errorf("/token without a client: %d %s", code, body)
	}
	// The charm's "{}" (no client any more) is no client either.
	srv, _ = startApp(t, writeClientFile(t, clientFile{}))
	if code, body, _ := get(t, srv.Client(), srv.URL+"/token"); code != http.StatusServiceUnavailable {
		t.Errorf("/token with an empty client file: %d %s", code, body)
	}
}

func TestToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		opaque    bool
		secret    string // the client file's, default the right one
		query     string
		wantCode  int
		wantKind  string
		wantScope string
		wantToken bool
		wantError string
	}{
		{name: "jwt", wantCode: 200, wantKind: "jwt"},
		{name: "opaque", opaque: true, wantCode: 200, wantKind: "opaque"},
		{name: "scope", query: "?scope=read+write", wantCode: 200, wantKind: "jwt", wantScope: "read write"},
		{name: "include_token", query: "?include_token=true", wantCode: 200, wantKind: "jwt", wantToken: true},
		{name: "rejected", secret: "wrong-secret", wantCode: http.StatusBadGateway, wantError: "token_request_failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newFakeProvider(t, tc.opaque)
			f := p.clientFile("http://10.1.0.10:8080/callback")
			if tc.secret != "" {
				f.ClientSecret = tc.secret
			}
			srv, logs := startApp(t, writeClientFile(t, f))
			code, body, _ := get(t, srv.Client(), srv.URL+"/token"+tc.query)
			if code != tc.wantCode {
				t.Fatalf("status %d, want %d: %s", code, tc.wantCode, body)
			}
			if tc.wantError != "" {
				var e errorBody
				if err := json.Unmarshal(body, &e); err != nil || e.Error != tc.wantError || !strings.Contains(e.Description, "invalid_client") {
					t.Errorf("error body %s", body)
				}
			} else {
				var info tokenInfo
				if err := json.Unmarshal(body, &info); err != nil {
					t.Fatal(err)
				}
				if info.TokenType != "Bearer" || info.ExpiresIn != 3599 || info.Kind != tc.wantKind || info.Scope != tc.wantScope {
					t.Errorf("token info %+v", info)
				}
				if (info.AccessToken != "") != tc.wantToken {
					t.Errorf("access token in the body: %v, want %v", info.AccessToken != "", tc.wantToken)
				}
				if tc.wantToken && tokenKind(info.AccessToken) != tc.wantKind {
					t.Errorf("returned token is not a %s", tc.wantKind)
				}
			}
			reqs := p.received()
			if len(reqs) != 1 || reqs[0].GrantType != "client_credentials" || !reqs[0].BasicAuth || reqs[0].Scope != tc.wantScope {
				t.Errorf("token requests %+v", reqs)
			}
			for _, s := range []string{f.ClientSecret, "ory_at_", "eyJ"} {
				if strings.Contains(logs.String(), s) {
					t.Errorf("the app's log holds %q:\n%s", s, logs)
				}
			}
		})
	}
}

func TestTokenKind(t *testing.T) {
	t.Parallel()
	p := newFakeProvider(t, false)
	for _, tc := range []struct{ token, want string }{
		{p.sign(map[string]any{"sub": "x"}), "jwt"},
		{"ory_at_abc.def", "opaque"},
		{"a.b.c", "opaque"},
		{b64([]byte(`{"typ":"JWT"}`)) + "." + b64([]byte(`{}`)) + ".sig", "opaque"}, // no alg
		{b64([]byte(`{"alg":"none"}`)) + "." + b64([]byte(`[1]`)) + ".", "opaque"},  // payload not an object
		{b64([]byte(`{"alg":"RS256"}`)) + "." + b64([]byte(`{"sub":"x"}`)) + ".sig", "jwt"},
		{"", "opaque"},
	} {
		if got := tokenKind(tc.token); got != tc.want {
			t.Errorf("tokenKind(%q) = %s, want %s", tc.token, got, tc.want)
		}
	}
}

// TestLoginFlow runs the authorization code flow against the fake
// provider: /login redirects with state and nonce, the provider "logs
// in" and sends the browser to the callback, which verifies the ID token.
func TestLoginFlow(t *testing.T) {
	t.Parallel()
	p := newFakeProvider(t, true)
	// The redirect URI must point at the app, which listens on a port
	// known only once started: start it on a file written afterwards.
	path := filepath.Join(t.TempDir(), "client.json")
	srv, logs := startApp(t, path)
	redirect := srv.URL + "/oauth/cb"
	b, _ := p.clientFile(redirect).encode()
	if err := writeFile(path, b); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	code, body, resp := get(t, browser, srv.URL+"/login")
	if code != http.StatusFound {
		t.Fatalf("/login: %d %s", code, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != p.issuer()+"/oauth2/auth" {
		t.Errorf("redirected to %s", got)
	}
	if q.Get("client_id") != testClientID || q.Get("redirect_uri") != redirect || q.Get("response_type") != "code" ||
		q.Get("scope") != "openid profile email" || q.Get("state") == "" || q.Get("nonce") == "" {
		t.Errorf("authorization request %v", q)
	}

	// Bad state: refused before any exchange.
	if code, body, _ := get(t, browser, redirect+"?code=c&state=forged"); code != http.StatusBadRequest || !strings.Contains(string(body), "invalid_state") {
		t.Errorf("forged state: %d %s", code, body)
	}
	// The provider's error is passed on.
	if code, body, _ := get(t, browser, redirect+"?error=access_denied&error_description=no"); code != http.StatusBadRequest || !strings.Contains(string(body), "access_denied") {
		t.Errorf("provider error: %d %s", code, body)
	}

	p.authorize("the-code", q.Get("nonce"))
	code, body, _ = get(t, browser, redirect+"?code=the-code&state="+url.QueryEscape(q.Get("state")))
	if code != http.StatusOK {
		t.Fatalf("callback: %d %s", code, body)
	}
	var res loginResult
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if res.Issuer != p.issuer() || res.Subject != "alice" || len(res.Audience) != 1 || res.Audience[0] != testClientID ||
		res.Claims["email"] != "alice@example.com" || res.AccessTokenKind != "opaque" || !res.RefreshToken {
		t.Errorf("login result %+v", res)
	}
	if reqs := p.received(); len(reqs) != 1 || reqs[0].GrantType != "authorization_code" || reqs[0].RedirectURI != redirect {
		t.Errorf("token requests %+v", reqs)
	}
	// A nonce that is not the login's: the ID token is refused.
	p.authorize("other-code", "another-nonce")
	if code, body, _ := get(t, browser, redirect+"?code=other-code&state="+url.QueryEscape(q.Get("state"))); code != http.StatusBadRequest || !strings.Contains(string(body), "invalid_nonce") {
		t.Errorf("wrong nonce: %d %s", code, body)
	}
	// Other paths are not the callback.
	if code, _, _ := get(t, browser, srv.URL+"/callback"); code != http.StatusNotFound {
		t.Errorf("/callback (not the redirect path): %d", code)
	}
	if strings.Contains(logs.String(), testClientSecret) || strings.Contains(logs.String(), "ory_") {
		t.Errorf("the app's log holds a secret or token:\n%s", logs)
	}
}

// TestLoginProviderDown: discovery happens per request, so the app
// answers (502) while the provider is unreachable.
func TestLoginProviderDown(t *testing.T) {
	t.Parallel()
	p := newFakeProvider(t, false)
	f := p.clientFile("http://10.1.0.10:8080/callback")
	p.srv.Close()
	srv, _ := startApp(t, writeClientFile(t, f))
	code, body, _ := get(t, srv.Client(), srv.URL+"/login")
	if code != http.StatusBadGateway || !strings.Contains(string(body), "discovery_failed") {
		t.Errorf("/login: %d %s", code, body)
	}
	if code, _, _ := get(t, srv.Client(), srv.URL+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
}
