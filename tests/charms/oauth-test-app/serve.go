package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// serve is the workload: the relying-party web app (see main.go).
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	port := fs.Int("port", 8080, "port to listen on")
	path := fs.String("client-file", clientPath, "the client file the charm writes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := log.New(os.Stderr, "", log.LstdFlags)
	srv := &http.Server{
		Addr:              ":" + strconv.Itoa(*port),
		Handler:           rpApp{clientFile: *path, log: logger}.handler(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	logger.Printf("serving on %s with the client in %s", srv.Addr, *path)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// providerTimeout bounds each call to the provider.
const providerTimeout = 15 * time.Second

// Cookies of the authorization code flow.
const (
	stateCookie = "oauthapp_state"
	nonceCookie = "oauthapp_nonce"
)

// rpApp is the relying party. It reads the client file on every request
// and discovers the provider at request time, so it starts, and answers
// /healthz, before the provider is reachable.
type rpApp struct {
	clientFile string
	// log gets one line per token, login and error; never a secret or
	// a token.
	log *log.Logger
}

// tokenInfo is /token's answer. The access token itself is in it only
// when asked for with include_token=true (tests that use the token
// against the provider); the app never logs it.
type tokenInfo struct {
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Kind        string `json:"access_token_kind"` // jwt | opaque
	Scope       string `json:"scope,omitempty"`
	AccessToken string `json:"access_token,omitempty"`
}

// loginResult is the callback's answer: who logged in, not the tokens.
type loginResult struct {
	Issuer          string         `json:"issuer"`
	Subject         string         `json:"subject"`
	Audience        []string       `json:"audience"`
	Claims          map[string]any `json:"claims"`
	AccessTokenKind string         `json:"access_token_kind"`
	RefreshToken    bool           `json:"refresh_token"`
}

// errorBody is every error answer.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (a rpApp) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /token", a.token)
	mux.HandleFunc("GET /login", a.login)
	// The redirect path is in the client file, which may change under a
	// running app.
	mux.HandleFunc("GET /", a.callback)
	return mux
}

// token gets a token with the client_credentials grant.
func (a rpApp) token(w http.ResponseWriter, r *http.Request) {
	f, err := readClientFile(a.clientFile)
	if err != nil {
		a.fail(w, r, http.StatusServiceUnavailable, "no_client", err)
		return
	}
	hc, err := providerClient(f)
	if err != nil {
		a.fail(w, r, http.StatusInternalServerError, "bad_ca_chain", err)
		return
	}
	q := r.URL.Query()
	cc := clientcredentials.Config{
		ClientID:     f.ClientID,
		ClientSecret: f.ClientSecret,
		TokenURL:     f.TokenEndpoint,
		Scopes:       strings.Fields(q.Get("scope")),
		// The charm asks for client_secret_basic.
		AuthStyle: oauth2.AuthStyleInHeader,
	}
	tok, err := cc.Token(context.WithValue(r.Context(), oauth2.HTTPClient, hc))
	if err != nil {
		// oauth2's errors carry the endpoint's answer, never the
		// request's credentials.
		a.fail(w, r, http.StatusBadGateway, "token_request_failed", err)
		return
	}
	info := tokenInfo{TokenType: tok.Type(), ExpiresIn: tok.ExpiresIn, Kind: tokenKind(tok.AccessToken)}
	if info.ExpiresIn == 0 && !tok.Expiry.IsZero() {
		info.ExpiresIn = int64(time.Until(tok.Expiry).Round(time.Second).Seconds())
	}
	if s, ok := tok.Extra("scope").(string); ok {
		info.Scope = s
	}
	if q.Get("include_token") == "true" {
		info.AccessToken = tok.AccessToken
	}
	a.log.Printf("GET /token: %s token (%s), expires in %ds", info.Kind, info.TokenType, info.ExpiresIn)
	writeJSON(w, http.StatusOK, info)
}

// login starts the authorization code flow: discovery, then a redirect
// to the provider with a fresh state and nonce (kept in cookies).
func (a rpApp) login(w http.ResponseWriter, r *http.Request) {
	conf, _, _, err := a.oidcConfig(r)
	if err != nil {
		a.fail(w, r, http.StatusBadGateway, "discovery_failed", err)
		return
	}
	state, nonce := randomString(), randomString()
	for name, v := range map[string]string{stateCookie: state, nonceCookie: nonce} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: v, Path: "/", MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, conf.AuthCodeURL(state, oidc.Nonce(nonce)), http.StatusFound)
}

// callback ends the flow at the client's redirect path: the code is
// exchanged and the ID token verified (signature, issuer, audience,
// expiry, nonce).
func (a rpApp) callback(w http.ResponseWriter, r *http.Request) {
	f, err := readClientFile(a.clientFile)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if u, err := url.Parse(f.RedirectURI); err != nil || u.Path != r.URL.Path {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: e, Description: q.Get("error_description")})
		return
	}
	state, err := r.Cookie(stateCookie)
	if err != nil || state.Value == "" || state.Value != q.Get("state") {
		a.fail(w, r, http.StatusBadRequest, "invalid_state", errors.New("the state does not match the login's"))
		return
	}
	conf, provider, ctx, err := a.oidcConfig(r)
	if err != nil {
		a.fail(w, r, http.StatusBadGateway, "discovery_failed", err)
		return
	}
	tok, err := conf.Exchange(ctx, q.Get("code"))
	if err != nil {
		a.fail(w, r, http.StatusBadGateway, "code_exchange_failed", err)
		return
	}
	rawID, ok := tok.Extra("id_token").(string)
	if !ok {
		a.fail(w, r, http.StatusBadGateway, "no_id_token", errors.New("the token response has no id_token"))
		return
	}
	idToken, err := provider.Verifier(&oidc.Config{ClientID: conf.ClientID}).Verify(ctx, rawID)
	if err != nil {
		a.fail(w, r, http.StatusBadGateway, "invalid_id_token", err)
		return
	}
	if nonce, err := r.Cookie(nonceCookie); err != nil || idToken.Nonce != nonce.Value {
		a.fail(w, r, http.StatusBadRequest, "invalid_nonce", errors.New("the ID token's nonce does not match the login's"))
		return
	}
	var claims map[string]any
	if err := idToken.Claims(&claims); err != nil {
		a.fail(w, r, http.StatusBadGateway, "invalid_id_token", err)
		return
	}
	a.log.Printf("%s: logged in subject %s", r.URL.Path, idToken.Subject)
	writeJSON(w, http.StatusOK, loginResult{
		Issuer: idToken.Issuer, Subject: idToken.Subject, Audience: idToken.Audience, Claims: claims,
		AccessTokenKind: tokenKind(tok.AccessToken), RefreshToken: tok.RefreshToken != "",
	})
}

// oidcConfig discovers the provider from the client file's issuer and
// returns the client's oauth2.Config and a context carrying the HTTP
// client for the provider.
func (a rpApp) oidcConfig(r *http.Request) (*oauth2.Config, *oidc.Provider, context.Context, error) {
	f, err := readClientFile(a.clientFile)
	if err != nil {
		return nil, nil, nil, err
	}
	hc, err := providerClient(f)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx := oidc.ClientContext(r.Context(), hc)
	provider, err := oidc.NewProvider(ctx, f.IssuerURL)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("discovering %s: %w", f.IssuerURL, err)
	}
	endpoint := provider.Endpoint()
	endpoint.AuthStyle = oauth2.AuthStyleInHeader
	return &oauth2.Config{
		ClientID:     f.ClientID,
		ClientSecret: f.ClientSecret,
		Endpoint:     endpoint,
		RedirectURL:  f.RedirectURI,
		Scopes:       strings.Fields(f.Scope),
	}, provider, ctx, nil
}

// providerClient is the HTTP client for the provider: bounded, and
// trusting the provider's CA chain on top of the system's roots.
func providerClient(f clientFile) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if len(f.CAChain) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		for i, pem := range f.CAChain {
			if !pool.AppendCertsFromPEM([]byte(pem)) {
				return nil, fmt.Errorf("certificate %d of the provider's ca_chain is not PEM", i)
			}
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: providerTimeout}, nil
}

// tokenKind tells a JWT access token (header.payload.signature, the
// first two base64url JSON objects, the header naming its alg) from an
// opaque one such as Hydra's "ory_at_….…".
func tokenKind(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "opaque"
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var payload map[string]any
	if decodeSegment(parts[0], &header) != nil || header.Alg == "" || decodeSegment(parts[1], &payload) != nil {
		return "opaque"
	}
	return "jwt"
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// fail answers with an error body and logs it; messages are built so
// that they never hold the client secret or a token.
func (a rpApp) fail(w http.ResponseWriter, r *http.Request, code int, kind string, err error) {
	a.log.Printf("%s %s: %d %s: %v", r.Method, r.URL.Path, code, kind, err)
	writeJSON(w, code, errorBody{Error: kind, Description: err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
