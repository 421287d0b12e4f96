package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	hydraclient "github.com/ory/hydra-client-go/v2"
)

// adminURL is Hydra's admin API as the charm reaches it: the charm and
// workload containers share the pod's network namespace.
const adminURL = "http://localhost:4445"

// adminTimeout bounds one admin API call (the reference's CLI timeout).
const adminTimeout = 20 * time.Second

// idTokenKeySet is the JSON Web Key set Hydra signs ID tokens with.
const idTokenKeySet = "hydra.openid.id-token"

// oauthClient is an OAuth client as the charm and its actions see it.
// Secret is set only by Hydra's answer to a create (Hydra never returns
// it again) or by an operator; String never shows it.
type oauthClient struct {
	ID                      string
	Secret                  string
	Name                    string
	RedirectURIs            []string
	GrantTypes              []string
	ResponseTypes           []string
	Scope                   string // space-separated, as Hydra keeps it
	Audience                []string
	Contacts                []string
	ClientURI               string
	TokenEndpointAuthMethod string
	Metadata                map[string]any
}

func (o oauthClient) String() string {
	return fmt.Sprintf("oauthClient{ID:%q Name:%q RedirectURIs:%q GrantTypes:%q Scope:%q Metadata:%v}",
		o.ID, o.Name, o.RedirectURIs, o.GrantTypes, o.Scope, o.Metadata)
}

// GoString keeps %#v from printing the secret.
func (o oauthClient) GoString() string { return o.String() }

// integrationID is the oauth relation that manages the client ("" for
// clients made by operators): the reference tags relation clients with
// metadata {"integration-id": "<relation id>"}.
func (o oauthClient) integrationID() string {
	v, ok := o.Metadata["integration-id"]
	if !ok {
		return ""
	}
	s := fmt.Sprint(v)
	if s == "" {
		// Present but empty still marks a managed client.
		return " "
	}
	return s
}

// errClientNotFound is Hydra's 404 for a client ID.
var errClientNotFound = errors.New("OAuth client not found")

// adminAPI is the part of Hydra's admin API the charm uses; tests fake it.
type adminAPI interface {
	CreateClient(ctx context.Context, c oauthClient) (oauthClient, error)
	GetClient(ctx context.Context, id string) (oauthClient, error)
	// UpdateClient replaces client c.ID (PUT); without a secret, Hydra
	// keeps the current one.
	UpdateClient(ctx context.Context, c oauthClient) (oauthClient, error)
	DeleteClient(ctx context.Context, id string) error
	ListClients(ctx context.Context) ([]oauthClient, error)
	RevokeAccessTokens(ctx context.Context, clientID string) error
	// CreateKey adds a key to the set and returns its key ID.
	CreateKey(ctx context.Context, set, alg string) (string, error)
	// Ready is nil once Hydra answers /health/ready.
	Ready(ctx context.Context) error
}

func (a httpAdmin) Ready(ctx context.Context) error {
	_, resp, err := a.api.MetadataAPI.IsReady(ctx).Execute()
	return apiError("Hydra's readiness", resp, err)
}

// readyTimeout is how long a reconcile or action waits for a Hydra that
// Pebble has just started (its ready check starts "up") to answer.
const readyTimeout = 30 * time.Second

// gatedAdmin waits, once, for Hydra to be ready before its first call.
type gatedAdmin struct {
	adminAPI
	wait time.Duration
	once sync.Once
	err  error
}

func (a *gatedAdmin) ready(ctx context.Context) error {
	a.once.Do(func() {
		deadline := time.Now().Add(a.wait)
		for {
			a.err = a.adminAPI.Ready(ctx)
			if a.err == nil || time.Now().After(deadline) || ctx.Err() != nil {
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	})
	return a.err
}

func (a *gatedAdmin) CreateClient(ctx context.Context, c oauthClient) (oauthClient, error) {
	if err := a.ready(ctx); err != nil {
		return oauthClient{}, err
	}
	return a.adminAPI.CreateClient(ctx, c)
}

func (a *gatedAdmin) GetClient(ctx context.Context, id string) (oauthClient, error) {
	if err := a.ready(ctx); err != nil {
		return oauthClient{}, err
	}
	return a.adminAPI.GetClient(ctx, id)
}

func (a *gatedAdmin) UpdateClient(ctx context.Context, c oauthClient) (oauthClient, error) {
	if err := a.ready(ctx); err != nil {
		return oauthClient{}, err
	}
	return a.adminAPI.UpdateClient(ctx, c)
}

func (a *gatedAdmin) DeleteClient(ctx context.Context, id string) error {
	if err := a.ready(ctx); err != nil {
		return err
	}
	return a.adminAPI.DeleteClient(ctx, id)
}

func (a *gatedAdmin) ListClients(ctx context.Context) ([]oauthClient, error) {
	if err := a.ready(ctx); err != nil {
		return nil, err
	}
	return a.adminAPI.ListClients(ctx)
}

func (a *gatedAdmin) RevokeAccessTokens(ctx context.Context, id string) error {
	if err := a.ready(ctx); err != nil {
		return err
	}
	return a.adminAPI.RevokeAccessTokens(ctx, id)
}

func (a *gatedAdmin) CreateKey(ctx context.Context, set, alg string) (string, error) {
	if err := a.ready(ctx); err != nil {
		return "", err
	}
	return a.adminAPI.CreateKey(ctx, set, alg)
}

// httpAdmin is adminAPI over HTTP, with Ory's generated client.
type httpAdmin struct {
	api *hydraclient.APIClient
}

func newHTTPAdmin(base string) adminAPI {
	cfg := hydraclient.NewConfiguration()
	cfg.Servers = hydraclient.ServerConfigurations{{URL: base}}
	cfg.HTTPClient = &http.Client{Timeout: adminTimeout}
	cfg.UserAgent = "hydra-charm"
	return httpAdmin{api: hydraclient.NewAPIClient(cfg)}
}

func (a httpAdmin) CreateClient(ctx context.Context, c oauthClient) (oauthClient, error) {
	out, resp, err := a.api.OAuth2API.CreateOAuth2Client(ctx).OAuth2Client(toHydra(c)).Execute()
	if err != nil {
		return oauthClient{}, apiError("creating the OAuth client", resp, err)
	}
	return fromHydra(*out), nil
}

func (a httpAdmin) GetClient(ctx context.Context, id string) (oauthClient, error) {
	out, resp, err := a.api.OAuth2API.GetOAuth2Client(ctx, id).Execute()
	if err != nil {
		return oauthClient{}, apiError("getting the OAuth client "+id, resp, err)
	}
	return fromHydra(*out), nil
}

func (a httpAdmin) UpdateClient(ctx context.Context, c oauthClient) (oauthClient, error) {
	out, resp, err := a.api.OAuth2API.SetOAuth2Client(ctx, c.ID).OAuth2Client(toHydra(c)).Execute()
	if err != nil {
		return oauthClient{}, apiError("updating the OAuth client "+c.ID, resp, err)
	}
	return fromHydra(*out), nil
}

func (a httpAdmin) DeleteClient(ctx context.Context, id string) error {
	resp, err := a.api.OAuth2API.DeleteOAuth2Client(ctx, id).Execute()
	return apiError("deleting the OAuth client "+id, resp, err)
}

// listPageSize is Hydra's largest page.
const listPageSize = 500

func (a httpAdmin) ListClients(ctx context.Context) ([]oauthClient, error) {
	var out []oauthClient
	token := ""
	for range 1000 { // a bound, in case a server keeps answering "next"
		req := a.api.OAuth2API.ListOAuth2Clients(ctx).PageSize(listPageSize)
		if token != "" {
			req = req.PageToken(token)
		}
		page, resp, err := req.Execute()
		if err != nil {
			return nil, apiError("listing OAuth clients", resp, err)
		}
		for _, c := range page {
			out = append(out, fromHydra(c))
		}
		if token = nextPageToken(resp); token == "" || len(page) == 0 {
			return out, nil
		}
	}
	return nil, errors.New("listing OAuth clients: too many pages")
}

// nextPageToken reads page_token from the Link header's rel="next" URL.
func nextPageToken(resp *http.Response) string {
	if resp == nil {
		return ""
	}
	for _, link := range resp.Header.Values("Link") {
		for _, part := range strings.Split(link, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if !ok || !strings.Contains(params, `rel="next"`) {
				continue
			}
			u, err := url.Parse(strings.Trim(strings.TrimSpace(target), "<>"))
			if err != nil {
				continue
			}
			return u.Query().Get("page_token")
		}
	}
	return ""
}

func (a httpAdmin) RevokeAccessTokens(ctx context.Context, clientID string) error {
	resp, err := a.api.OAuth2API.DeleteOAuth2Token(ctx).ClientId(clientID).Execute()
	return apiError("revoking the access tokens of "+clientID, resp, err)
}

func (a httpAdmin) CreateKey(ctx context.Context, set, alg string) (string, error) {
	out, resp, err := a.api.JwkAPI.CreateJsonWebKeySet(ctx, set).
		CreateJsonWebKeySet(*hydraclient.NewCreateJsonWebKeySet(alg, "", "sig")).Execute()
	if err != nil {
		return "", apiError("creating a key in "+set, resp, err)
	}
	if len(out.Keys) == 0 || out.Keys[0].Kid == "" {
		return "", fmt.Errorf("creating a key in %s: Hydra returned no key", set)
	}
	return out.Keys[0].Kid, nil
}

// apiError turns a failed call into an error naming what failed and, from
// Hydra's JSON error, why; a 404 wraps errClientNotFound. Hydra's errors
// never echo client secrets.
func apiError(what string, resp *http.Response, err error) error {
	if err == nil {
		return nil
	}
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%s: %w", what, errClientNotFound)
	}
	var gen *hydraclient.GenericOpenAPIError
	if errors.As(err, &gen) {
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(gen.Body(), &body) == nil && (body.Error != "" || body.Description != "") {
			return fmt.Errorf("%s: %s: %s", what, strings.TrimSpace(body.Error), strings.TrimSpace(body.Description))
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

func toHydra(c oauthClient) hydraclient.OAuth2Client {
	h := hydraclient.OAuth2Client{
		RedirectUris:  c.RedirectURIs,
		GrantTypes:    c.GrantTypes,
		ResponseTypes: c.ResponseTypes,
		Audience:      c.Audience,
		Contacts:      c.Contacts,
	}
	for _, p := range []struct {
		dst **string
		v   string
	}{
		{&h.ClientId, c.ID}, {&h.ClientSecret, c.Secret}, {&h.ClientName, c.Name}, {&h.Scope, c.Scope},
		{&h.ClientUri, c.ClientURI}, {&h.TokenEndpointAuthMethod, c.TokenEndpointAuthMethod},
	} {
		if p.v != "" {
			v := p.v
			*p.dst = &v
		}
	}
	if len(c.Metadata) > 0 {
		h.Metadata = c.Metadata
	}
	return h
}

func fromHydra(h hydraclient.OAuth2Client) oauthClient {
	c := oauthClient{
		ID: deref(h.ClientId), Secret: deref(h.ClientSecret), Name: deref(h.ClientName),
		RedirectURIs: h.RedirectUris, GrantTypes: h.GrantTypes, ResponseTypes: h.ResponseTypes,
		Scope: deref(h.Scope), Audience: h.Audience, Contacts: h.Contacts,
		ClientURI: deref(h.ClientUri), TokenEndpointAuthMethod: deref(h.TokenEndpointAuthMethod),
	}
	if m, ok := h.Metadata.(map[string]any); ok && len(m) > 0 {
		c.Metadata = m
	}
	return c
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
