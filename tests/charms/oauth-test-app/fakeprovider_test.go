package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Credentials of the fake provider's one client.
const (
	testClientID     = "c-1"
	testClientSecret = "s3cr3t-client-secret-value"
)

// fakeProvider is an OAuth/OIDC provider in a test: discovery, JWKS, and
// a token endpoint that takes client_credentials and authorization_code
// (client_secret_basic only), signing RS256 JWTs with its own key.
type fakeProvider struct {
	t   testing.TB
	srv *httptest.Server
	key *rsa.PrivateKey
	// opaque makes access tokens Hydra-style opaque strings.
	opaque bool

	mu       sync.Mutex
	requests []tokenRequest
	nonces   map[string]string // code -> nonce of the authorization request
}

// tokenRequest is what the token endpoint received.
type tokenRequest struct {
	GrantType, Scope, Code, RedirectURI string
	BasicAuth                           bool
}

func newFakeProvider(t testing.TB, opaque bool) *fakeProvider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &fakeProvider{t: t, key: key, opaque: opaque, nonces: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                p.issuer(),
			"authorization_endpoint":                p.issuer() + "/oauth2/auth",
			"token_endpoint":                        p.issuer() + "/oauth2/token",
			"jwks_uri":                              p.issuer() + "/.well-known/jwks.json",
			"userinfo_endpoint":                     p.issuer() + "/userinfo",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
		}}})
	})
	mux.HandleFunc("POST /oauth2/token", p.token)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakeProvider) issuer() string { return p.srv.URL }

// authorize stands in for the login: it issues a code for nonce.
func (p *fakeProvider) authorize(code, nonce string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nonces[code] = nonce
}

func (p *fakeProvider) received() []tokenRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]tokenRequest(nil), p.requests...)
}

func (p *fakeProvider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid_request"})
		return
	}
	id, secret, basic := r.BasicAuth()
	req := tokenRequest{GrantType: r.PostForm.Get("grant_type"), Scope: r.PostForm.Get("scope"),
		Code: r.PostForm.Get("code"), RedirectURI: r.PostForm.Get("redirect_uri"), BasicAuth: basic}
	p.mu.Lock()
	p.requests = append(p.requests, req)
	nonce, knownCode := p.nonces[req.Code]
	p.mu.Unlock()
	if !basic || id != testClientID || secret != testClientSecret || r.PostForm.Has("client_secret") {
		writeJSON(w, http.StatusUnauthorized, errorBody{Error: "invalid_client", Description: "Client authentication failed."})
		return
	}
	now := time.Now()
	access := "ory_at_" + b64([]byte(now.String())) + "." + b64([]byte("sig"))
	if !p.opaque {
		access = p.sign(map[string]any{"iss": p.issuer(), "sub": id, "aud": []string{}, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()})
	}
	resp := map[string]any{"access_token": access, "token_type": "bearer", "expires_in": 3599, "scope": req.Scope}
	switch req.GrantType {
	case "client_credentials":
	case "authorization_code":
		if !knownCode {
			writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid_grant"})
			return
		}
		resp["refresh_token"] = "ory_rt_refresh"
		resp["id_token"] = p.sign(map[string]any{"iss": p.issuer(), "sub": "alice", "aud": testClientID,
			"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nonce": nonce, "email": "alice@example.com"})
	default:
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "unsupported_grant_type"})
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// sign makes an RS256 JWT.
func (p *fakeProvider) sign(claims map[string]any) string {
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": "k1", "typ": "JWT"})
	payload, err := json.Marshal(claims)
	if err != nil {
		p.t.Fatal(err)
	}
	input := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, sum[:])
	if err != nil {
		p.t.Fatal(err)
	}
	return input + "." + b64(sig)
}

// clientFile is the client file the charm would write for p.
func (p *fakeProvider) clientFile(redirectURI string) clientFile {
	return clientFile{
		ClientID: testClientID, ClientSecret: testClientSecret, RedirectURI: redirectURI, Scope: "openid profile email",
		IssuerURL: p.issuer(), AuthorizationEndpoint: p.issuer() + "/oauth2/auth", TokenEndpoint: p.issuer() + "/oauth2/token",
		IntrospectionEndpoint: p.issuer() + "/admin/oauth2/introspect", UserinfoEndpoint: p.issuer() + "/userinfo",
		JWKSEndpoint: p.issuer() + "/.well-known/jwks.json", JWTAccessToken: !p.opaque,
	}
}

// writeClientFile writes f where the app reads it and returns the path.
func writeClientFile(t testing.TB, f clientFile) string {
	t.Helper()
	b, err := f.encode()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "client.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o600) }
