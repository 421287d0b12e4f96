package oauth

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

const providerYAML = `
name: hydra
type: charm
summary: test oauth provider
description: test oauth provider
provides:
  oauth:
    interface: oauth
config:
  options:
    client-secret:
      type: string
      default: first-s3cret
`

const requirerYAML = `
name: grafana
type: charm
summary: test oauth requirer
description: test oauth requirer
requires:
  oauth:
    interface: oauth
    limit: 1
config:
  options:
    redirect-uri:
      type: string
      default: https://grafana.example.com/login/generic_oauth
`

// hydraInfo is what the test provider publishes.
var hydraInfo = ProviderInfo{
	IssuerURL:             "https://hydra.example.com",
	AuthorizationEndpoint: "https://hydra.example.com/oauth2/auth",
	TokenEndpoint:         "https://hydra.example.com/oauth2/token",
	IntrospectionEndpoint: "http://hydra.test-model.svc.cluster.local:4445/admin/oauth2/introspect",
	UserinfoEndpoint:      "https://hydra.example.com/userinfo",
	JWKSEndpoint:          "https://hydra.example.com/.well-known/jwks.json",
	Scope:                 "openid profile email phone",
	JWTAccessToken:        true,
}

// provider is a tiny Hydra: it publishes its info, registers one client
// per valid request (client ID from the remote app, secret from config)
// and drops the client secret when a relation breaks.
type provider struct{}

func (provider) Reconcile(c *charm.Context) error {
	ctx := c.Context()
	if c.Event.Kind == charm.RelationBroken && c.Event.Relation == DefaultEndpoint {
		if err := RemoveClientSecret(c, c.Event.RelationID); err != nil {
			return err
		}
	}
	if err := PublishProviderInfo(c, DefaultEndpoint, hydraInfo); err != nil {
		return err
	}
	reqs, err := Requests(c, DefaultEndpoint)
	if err != nil {
		return err
	}
	secret, _, err := c.Tools.ConfigGet(ctx, "client-secret")
	if err != nil {
		return err
	}
	var bad []string
	for _, r := range reqs {
		switch {
		case errors.Is(r.Err, ErrNoRequest):
			continue
		case r.Err != nil:
			bad = append(bad, r.Err.Error())
			continue
		}
		id := r.ClientID
		if id == "" {
			id = "client-of-" + r.RemoteApp
		}
		if err := PublishClient(c, r.RelationID, id, secret.(string)); err != nil {
			return err
		}
	}
	st := hooktool.Status{Name: hooktool.StatusActive}
	if len(bad) > 0 {
		st = hooktool.Status{Name: hooktool.StatusBlocked, Message: strings.Join(bad, "; ")}
	}
	return c.Tools.StatusSet(ctx, st, false)
}

// requirer is a tiny Grafana: it requests a client and, once registered,
// keeps the client secret in its state (never in its status).
type requirer struct{}

func (requirer) Reconcile(c *charm.Context) error {
	ctx := c.Context()
	redirect, _, err := c.Tools.ConfigGet(ctx, "redirect-uri")
	if err != nil {
		return err
	}
	cfg := ClientConfig{
		RedirectURI: redirect.(string),
		Scope:       "openid email",
		GrantTypes:  []string{GrantAuthorizationCode, GrantRefreshToken},
	}
	if err := RequestClient(c, DefaultEndpoint, cfg); err != nil {
		return c.Tools.StatusSet(ctx, hooktool.Status{Name: hooktool.StatusBlocked, Message: err.Error()}, false)
	}
	reg, ready, err := ClientFor(c, DefaultEndpoint)
	switch {
	case err != nil:
		return err
	case !ready:
		return c.Tools.StatusSet(ctx, hooktool.Status{Name: hooktool.StatusWaiting, Message: "waiting for the oauth client"}, false)
	}
	if err := c.Tools.StateSet(ctx, map[string]string{"client-secret": reg.ClientSecret}); err != nil {
		return err
	}
	return c.Tools.StatusSet(ctx, hooktool.Status{Name: hooktool.StatusActive, Message: "client " + reg.ClientID + " at " + reg.IssuerURL}, false)
}

func ownedSecret(t *testing.T, st charmtest.State, label string) charmtest.Secret {
	t.Helper()
	for _, s := range st.Secrets {
		if s.Label == label && s.Owner != "" {
			return s
		}
	}
	t.Fatalf("no owned secret labelled %q in %+v", label, st.Secrets)
	return charmtest.Secret{}
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	const relID = 7
	hydra := charmtest.New(t, provider{}, providerYAML)
	grafana := charmtest.New(t, requirer{}, requirerYAML)

	provRel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: relID, RemoteApp: "grafana", RemoteUnits: map[int]map[string]string{0: {}}}
	reqRel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: relID, RemoteApp: "hydra", RemoteUnits: map[int]map[string]string{0: {}}}
	prov := charmtest.State{Leader: true, Relations: []charmtest.Relation{provRel}}
	req := charmtest.State{Leader: true, Relations: []charmtest.Relation{reqRel}}

	// 1. Grafana's leader requests a client: exactly the library's pairs.
	req = grafana.MustRun(t, charmtest.RelationEvent(charm.RelationCreated, reqRel, -1), req)
	wantReq := map[string]string{
		"redirect_uri":               "https://grafana.example.com/login/generic_oauth",
		"scope":                      "openid email",
		"grant_types":                `["authorization_code", "refresh_token"]`,
		"audience":                   "[]",
		"token_endpoint_auth_method": "client_secret_basic",
	}
	if got := req.Relations[0].LocalAppData; !maps.Equal(got, wantReq) {
		t.Fatalf("requirer app databag = %q\nwant %q", got, wantReq)
	}
	if req.UnitStatus.Name != "waiting" {
		t.Errorf("requirer status %+v, want waiting", req.UnitStatus)
	}

	// 2. Hydra reads the request, publishes its info, creates the client
	// secret and grants it to the relation.
	prov = charmtest.Across(req, 0, relID, prov)
	prov = hydra.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, provRel, -1), prov)
	sec := ownedSecret(t, prov, "client_secret_7")
	if sec.Owner != "application" || sec.Revision != 1 || !maps.Equal(sec.Content, map[string]string{"secret": "first-s3cret"}) {
		t.Errorf("client secret = %+v", sec)
	}
	if !reflect.DeepEqual(sec.Grants, map[int][]string{relID: {"grafana"}}) {
		t.Errorf("grants = %v", sec.Grants)
	}
	wantProv, _ := EncodeProviderInfo(hydraInfo)
	wantProv["client_id"] = "client-of-grafana"
	wantProv["client_secret_id"] = sec.ID
	if got := prov.Relations[0].LocalAppData; !maps.Equal(got, wantProv) {
		t.Fatalf("provider app databag = %q\nwant %q", got, wantProv)
	}

	// 3. Grafana reads client_id and the secret's content.
	req = charmtest.Across(prov, 0, relID, req)
	req = grafana.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, reqRel, -1), req)
	if want := (charmtest.Status{Name: "active", Message: "client client-of-grafana at https://hydra.example.com"}); req.UnitStatus != want {
		t.Errorf("requirer status %+v, want %+v", req.UnitStatus, want)
	}
	if got := req.Stored["client-secret"]; got != "first-s3cret" {
		t.Errorf("requirer read client secret %q", got)
	}

	// Hydra again, nothing changed: no new revision, same databag.
	prov = hydra.MustRun(t, charmtest.Hook(charm.UpdateStatus), prov)
	if s := ownedSecret(t, prov, "client_secret_7"); s.Revision != 1 {
		t.Errorf("idempotent publish made revision %d", s.Revision)
	}
	if got := prov.Relations[0].LocalAppData; !maps.Equal(got, wantProv) {
		t.Errorf("provider app databag changed to %q", got)
	}

	// 4. Rotation: a new client secret is a new revision of the same
	// secret; client_secret_id stays.
	prov.Config = map[string]any{"client-secret": "second-s3cret"}
	prov = hydra.MustRun(t, charmtest.Hook(charm.ConfigChanged), prov)
	rotated := ownedSecret(t, prov, "client_secret_7")
	if rotated.ID != sec.ID || rotated.Revision != 2 || rotated.Content["secret"] != "second-s3cret" {
		t.Errorf("rotated secret = %+v", rotated)
	}
	if got := prov.Relations[0].LocalAppData; !maps.Equal(got, wantProv) {
		t.Errorf("rotation changed the databag to %q", got)
	}

	// Juju tells Grafana with secret-changed; it picks up the new revision.
	req = charmtest.Across(prov, 0, relID, req)
	req = grafana.MustRun(t, charmtest.SecretEvent(charm.SecretChanged, sec.ID, "", 2), req)
	if got := req.Stored["client-secret"]; got != "second-s3cret" {
		t.Errorf("after rotation the requirer reads %q", got)
	}
	for _, s := range req.Secrets {
		if s.ID == sec.ID && s.TrackedRevision != 2 {
			t.Errorf("requirer tracks revision %d, want 2", s.TrackedRevision)
		}
	}

	// 5. relation-broken on Hydra removes the secret, and Grafana loses it.
	prov = hydra.MustRun(t, charmtest.RelationEvent(charm.RelationBroken, provRel, -1), prov)
	for _, s := range prov.Secrets {
		if s.ID == sec.ID && !s.RemovedAll {
			t.Errorf("secret not removed: %+v", s)
		}
	}
	req = charmtest.Across(prov, 0, relID, req)
	if slices.ContainsFunc(req.Secrets, func(s charmtest.Secret) bool { return s.ID == sec.ID }) {
		t.Error("the requirer still sees the removed secret")
	}
	// Removing again (the relation is gone) is not an error.
	prov = hydra.MustRun(t, charmtest.RelationEvent(charm.RelationBroken, provRel, -1), prov)
}

// TestProviderWithLibraryRequirer replays the library's provider unit
// test: a Python requirer's databag in, client credentials and secret out.
func TestProviderWithLibraryRequirer(t *testing.T) {
	t.Parallel()
	hydra := charmtest.New(t, provider{}, providerYAML)
	tests := []struct {
		name string
		bag  map[string]string
	}{
		{"authorization_code", requirerBag()},
		{"client_credentials without redirect_uri", with(requirerBag(), "redirect_uri", "\x00delete", "grant_types", `["client_credentials"]`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: 3, RemoteApp: "oidc-client", RemoteAppData: tt.bag}
			st := hydra.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, rel, -1), charmtest.State{Leader: true, Relations: []charmtest.Relation{rel}})
			data := st.Relations[0].LocalAppData
			if data["client_id"] != "client-of-oidc-client" {
				t.Errorf("client_id = %q", data["client_id"])
			}
			sec := ownedSecret(t, st, "client_secret_3")
			if data["client_secret_id"] != sec.ID || sec.Content[SecretField] != "first-s3cret" {
				t.Errorf("client_secret_id %q, secret %+v", data["client_secret_id"], sec)
			}
			if _, err := DecodeProviderData(data); err != nil {
				t.Errorf("the Python requirer's schema would reject our databag: %v", err)
			}
		})
	}
}

// TestRequesterWithLibraryProvider replays the library's requirer unit
// test: a Python provider's databag and secret in, credentials out.
func TestRequirerWithLibraryProvider(t *testing.T) {
	t.Parallel()
	grafana := charmtest.New(t, requirer{}, requirerYAML)
	const secretID = "secret:d0s1vqp6n7m1rlq3o2rg"
	bag := with(libProviderBag(), "client_id", "client_id", "client_secret_id", secretID)
	rel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: 5, RemoteApp: "hydra", RemoteAppData: bag}
	st := charmtest.State{Leader: true, Relations: []charmtest.Relation{rel},
		Secrets: []charmtest.Secret{{ID: secretID, Revision: 1, Content: map[string]string{SecretField: "s3cR#T"}}}}
	st = grafana.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, rel, -1), st)
	if want := (charmtest.Status{Name: "active", Message: "client client_id at https://example.oidc.com"}); st.UnitStatus != want {
		t.Errorf("status %+v, want %+v", st.UnitStatus, want)
	}
	if st.Stored["client-secret"] != "s3cR#T" {
		t.Errorf("client secret %q", st.Stored["client-secret"])
	}

	// Provider info without a client yet: waiting, no error (the
	// library's test_no_event_emitted_when_provider_info_available_but_no_client_id).
	rel.RemoteAppData = libProviderBag()
	st = grafana.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, rel, -1), charmtest.State{Leader: true, Relations: []charmtest.Relation{rel}})
	if st.UnitStatus.Name != "waiting" {
		t.Errorf("status %+v, want waiting", st.UnitStatus)
	}
}

func TestNonLeader(t *testing.T) {
	t.Parallel()
	hydra := charmtest.New(t, provider{}, providerYAML)
	grafana := charmtest.New(t, requirer{}, requirerYAML)

	rel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: 2, RemoteApp: "grafana", RemoteAppData: requirerBag()}
	st := hydra.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, rel, -1), charmtest.State{Relations: []charmtest.Relation{rel}})
	if len(st.Relations[0].LocalAppData) != 0 || len(st.Secrets) != 0 {
		t.Errorf("a non-leader provider wrote: %+v, %+v", st.Relations[0].LocalAppData, st.Secrets)
	}

	rel = charmtest.Relation{Endpoint: DefaultEndpoint, ID: 2, RemoteApp: "hydra"}
	st = grafana.MustRun(t, charmtest.RelationEvent(charm.RelationCreated, rel, -1), charmtest.State{Relations: []charmtest.Relation{rel}})
	if len(st.Relations[0].LocalAppData) != 0 {
		t.Errorf("a non-leader requirer wrote %q", st.Relations[0].LocalAppData)
	}
	// A bad config is reported on every unit, naming the key.
	st = grafana.MustRun(t, charmtest.Hook(charm.ConfigChanged), charmtest.State{
		Config: map[string]any{"redirect-uri": "grafana.example.com/callback"}, Relations: []charmtest.Relation{rel}})
	if st.UnitStatus.Name != "blocked" || !strings.Contains(st.UnitStatus.Message, `"redirect_uri"`) {
		t.Errorf("status %+v, want blocked naming redirect_uri", st.UnitStatus)
	}
}

func TestRequestsReportsBadAndPendingRequests(t *testing.T) {
	t.Parallel()
	hydra := charmtest.New(t, provider{}, providerYAML)
	rels := []charmtest.Relation{
		{Endpoint: DefaultEndpoint, ID: 1, RemoteApp: "pending"},
		{Endpoint: DefaultEndpoint, ID: 2, RemoteApp: "broken-client", RemoteAppData: with(requirerBag(), "grant_types", `["implicit"]`)},
		{Endpoint: DefaultEndpoint, ID: 3, RemoteApp: "good", RemoteAppData: requirerBag(),
			LocalAppData: map[string]string{"client_id": "existing-client"}},
	}
	st := hydra.MustRun(t, charmtest.RelationEvent(charm.RelationChanged, rels[2], -1), charmtest.State{Leader: true, Relations: rels})
	if st.UnitStatus.Name != "blocked" || !strings.Contains(st.UnitStatus.Message, `key "grant_types"`) || !strings.Contains(st.UnitStatus.Message, "broken-client") {
		t.Errorf("status %+v", st.UnitStatus)
	}
	for _, r := range st.Relations {
		_, hasClient := r.LocalAppData["client_id"]
		if hasClient != (r.ID == 3) {
			t.Errorf("relation %d: databag %q", r.ID, r.LocalAppData)
		}
		if r.LocalAppData[KeyIssuerURL] != hydraInfo.IssuerURL {
			t.Errorf("relation %d: no provider info", r.ID)
		}
	}
	// The client_id already published is kept (the library's client_changed).
	if got := st.Relations[2].LocalAppData["client_id"]; got != "existing-client" {
		t.Errorf("client_id = %q", got)
	}
}

// requestsProbe records what Requests returns.
type requestsProbe struct{ got *[]Request }

func (p requestsProbe) Reconcile(c *charm.Context) error {
	reqs, err := Requests(c, DefaultEndpoint)
	*p.got = reqs
	return err
}

func TestRequestsValues(t *testing.T) {
	t.Parallel()
	var got []Request
	h := charmtest.New(t, requestsProbe{&got}, providerYAML)
	rels := []charmtest.Relation{
		{Endpoint: DefaultEndpoint, ID: 1, RemoteApp: "pending"},
		{Endpoint: DefaultEndpoint, ID: 2, RemoteApp: "bad", RemoteAppData: with(requirerBag(), "scope", "123")},
		{Endpoint: DefaultEndpoint, ID: 3, RemoteApp: "good", RemoteAppData: requirerBag(), LocalAppData: map[string]string{"client_id": "c"}},
	}
	for _, leader := range []bool{true, false} {
		h.MustRun(t, charmtest.Hook(charm.UpdateStatus), charmtest.State{Leader: leader, Relations: rels})
		if len(got) != 3 {
			t.Fatalf("got %d requests", len(got))
		}
		if !errors.Is(got[0].Err, ErrNoRequest) || got[0].RemoteApp != "pending" {
			t.Errorf("pending: %+v", got[0])
		}
		var ke *databag.KeyError
		if !errors.As(got[1].Err, &ke) || ke.Key != KeyScope {
			t.Errorf("bad: %+v", got[1])
		}
		want := Request{RelationID: 3, RemoteApp: "good", Config: ClientConfig{
			RedirectURI: "https://oidc-client.com/callback", Scope: "openid email", GrantTypes: []string{GrantAuthorizationCode},
			Audience: []string{}, TokenEndpointAuthMethod: AuthClientSecretBasic}}
		if leader {
			want.ClientID = "c"
		}
		if !reflect.DeepEqual(got[2], want) {
			t.Errorf("leader %v: good = %+v\nwant %+v", leader, got[2], want)
		}
	}
}

func TestRegistrationStringHidesSecret(t *testing.T) {
	t.Parallel()
	r := Registration{ProviderData: ProviderData{ClientID: "id"}, ClientSecret: "hunter2"}
	for _, s := range []string{r.String(), r.GoString()} {
		if strings.Contains(s, "hunter2") || !strings.Contains(s, "<redacted>") {
			t.Errorf("%s", s)
		}
	}
}

func TestPublishClientRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, clientID, secret, want string
	}{
		{"empty client id", "", "s", `key "client_id": missing`},
		{"JSON client id", "1234", "s", `key "client_id"`},
		{"empty secret", "id", "", "empty client secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var err error
			h := charmtest.New(t, probe(func(c *charm.Context) error {
				err = PublishClient(c, 1, tt.clientID, tt.secret)
				return nil
			}), providerYAML)
			rel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: 1, RemoteApp: "grafana"}
			st := h.MustRun(t, charmtest.Hook(charm.UpdateStatus), charmtest.State{Leader: true, Relations: []charmtest.Relation{rel}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			if len(st.Secrets) != 0 || len(st.Relations[0].LocalAppData) != 0 {
				t.Errorf("wrote %+v %+v", st.Secrets, st.Relations[0].LocalAppData)
			}
		})
	}
}

// probe is a charm made of one function.
type probe func(c *charm.Context) error

func (p probe) Reconcile(c *charm.Context) error { return p(c) }

// TestPublishClientRepairsDatabag: a secret that exists while the databag
// lost client_secret_id (or never got it) is published as Juju 3.6's
// secret-add would print it.
func TestPublishClientRepairsDatabag(t *testing.T) {
	t.Parallel()
	h := charmtest.New(t, probe(func(c *charm.Context) error { return PublishClient(c, 4, "cid", "sec") }), providerYAML)
	const id = "d0s1vqp6n7m1rlq3o2rg"
	rel := charmtest.Relation{Endpoint: DefaultEndpoint, ID: 4, RemoteApp: "grafana"}
	st := h.MustRun(t, charmtest.Hook(charm.UpdateStatus), charmtest.State{Leader: true, Relations: []charmtest.Relation{rel},
		Secrets: []charmtest.Secret{{ID: "secret:" + id, Owner: "application", Label: "client_secret_4", Revision: 3, Content: map[string]string{"secret": "old"}}}})
	want := map[string]string{"client_id": "cid", "client_secret_id": "secret://" + charmtest.DefaultModelUUID + "/" + id}
	if got := st.Relations[0].LocalAppData; !maps.Equal(got, want) {
		t.Errorf("databag %q, want %q", got, want)
	}
	s := st.Secrets[0]
	if s.Revision != 4 || s.Content["secret"] != "sec" || !reflect.DeepEqual(s.Grants, map[int][]string{4: {"grafana"}}) {
		t.Errorf("secret %+v", s)
	}
}
