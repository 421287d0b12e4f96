package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// clientFile is /etc/oauthapp/client.json: everything the app needs to
// act as the registered client. The charm writes it (mode 0600) and the
// app reads it on every request, so a rotated secret or a moved provider
// takes effect without a restart. It is the only place the client secret
// reaches the workload: never the layer's command or environment.
type clientFile struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	// RedirectURI is the one the charm asked the provider to register;
	// Scope is what /login asks for.
	RedirectURI string `json:"redirect_uri"`
	Scope       string `json:"scope"`

	IssuerURL             string   `json:"issuer_url"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	IntrospectionEndpoint string   `json:"introspection_endpoint"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	JWKSEndpoint          string   `json:"jwks_endpoint"`
	JWTAccessToken        bool     `json:"jwt_access_token"`
	CAChain               []string `json:"ca_chain,omitempty"`
}

// String leaves the secret out, so that printing a clientFile is safe.
func (f clientFile) String() string {
	return fmt.Sprintf("clientFile{ClientID:%q IssuerURL:%q TokenEndpoint:%q}", f.ClientID, f.IssuerURL, f.TokenEndpoint)
}

// GoString is String, so that %#v does not print the secret either.
func (f clientFile) GoString() string { return f.String() }

// errNoClient is readClientFile's error while the charm has not written a
// client (yet, or any more: it empties the file when the relation goes).
var errNoClient = errors.New("no OAuth client registered yet")

// encode is the file's content.
func (f clientFile) encode() ([]byte, error) {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the client file: %w", err)
	}
	return append(b, '\n'), nil
}

// readClientFile reads and checks the file at path.
func readClientFile(path string) (clientFile, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return clientFile{}, errNoClient
	}
	if err != nil {
		return clientFile{}, fmt.Errorf("reading the client file: %w", err)
	}
	var f clientFile
	if err := json.Unmarshal(b, &f); err != nil {
		// Not wrapped: a JSON syntax error may quote the content.
		return clientFile{}, fmt.Errorf("the client file %s is not valid JSON", path)
	}
	if f.ClientID == "" {
		return clientFile{}, errNoClient
	}
	return f, nil
}
