package postgresqlclient

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"strings"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
	"github.com/identity-platform-go/charms/internal/interfaces/relation"
)

// RequestDatabase asks for req on every live relation of the requirer's
// endpoint: the application databag (EncodeRequest's app bag; request
// keys req no longer has are deleted) and the unit databag
// (requested-secrets and provided-secrets), writing only what changed,
// so it can run on every hook. Only the leader writes, as in the
// library; on other units it does nothing and returns nil.
func RequestDatabase(c *charm.Context, endpoint string, req Request) error {
	app, unit, err := EncodeRequest(req)
	if err != nil {
		return fmt.Errorf("requesting a database on %s: %w", endpoint, err)
	}
	ids, err := c.RelationIDs(endpoint)
	if err != nil || len(ids) == 0 {
		return wrapIf(err, "listing %s relations", endpoint)
	}
	leader, err := c.Tools.IsLeader(c.Context())
	if err != nil || !leader {
		return wrapIf(err, "requesting a database on %s", endpoint)
	}
	app = relation.ClearMissing(app, requestKeys[:]...)
	for _, id := range ids {
		for _, w := range []struct {
			owner string
			isApp bool
			want  map[string]string
		}{{c.Env.AppName, true, app}, {c.Env.UnitName, false, unit}} {
			have, err := c.Tools.RelationGet(c.Context(), id, w.owner, w.isApp)
			if err != nil {
				return fmt.Errorf("requesting a database on %s relation %d: %w", endpoint, id, err)
			}
			set := map[string]string{}
			for k, v := range w.want {
				if have[k] != v {
					set[k] = v
				}
			}
			if err := c.Tools.RelationSet(c.Context(), id, w.isApp, set); err != nil {
				return fmt.Errorf("requesting a database on %s relation %d: %w", endpoint, id, err)
			}
		}
	}
	return nil
}

func wrapIf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// Credentials is what a requirer needs to connect, read from the first
// relation of its endpoint.
type Credentials struct {
	RelationID int
	// Database is the provider's "database": the database it created.
	Database string
	// Endpoints and ReadOnlyEndpoints are host:port items; Endpoints has
	// at least one.
	Endpoints         []string
	ReadOnlyEndpoints []string
	Username          string
	Password          string
	URIs              string
	ReadOnlyURIs      string
	TLS               bool
	TLSCA             string
	Version           string
}

// String leaves the password and URIs out, so that Credentials can be
// logged or wrapped into an error.
func (cr Credentials) String() string {
	return fmt.Sprintf("{RelationID:%d Database:%s Endpoints:%v Username:%s Password:<redacted> TLS:%t Version:%s}",
		cr.RelationID, cr.Database, cr.Endpoints, cr.Username, cr.TLS, cr.Version)
}

// GoString is String, for %#v.
func (cr Credentials) GoString() string { return "postgresqlclient.Credentials" + cr.String() }

// DSN is postgres://<username>:<password>@<first endpoint>/<database>,
// each part escaped with net/url (Canonical's Hydra and Kratos build the
// same URL unescaped, and without sslmode).
func (cr Credentials) DSN() (string, error) {
	if len(cr.Endpoints) == 0 || cr.Username == "" || cr.Database == "" {
		return "", errors.New("incomplete credentials")
	}
	if strings.HasSuffix(cr.Database, "*") {
		return "", fmt.Errorf("the provider answered with the database prefix %q, not a database", cr.Database)
	}
	u := url.URL{
		Scheme: "postgres",
		User:   url.UserPassword(cr.Username, cr.Password),
		Host:   cr.Endpoints[0],
		Path:   "/" + cr.Database,
	}
	return u.String(), nil
}

// NotReadyError is a requirer's view of a database that is not usable
// yet. Its message names the endpoint and what is missing (Reason), never
// a secret; charms report it as a waiting (or, with NoRelation, blocked)
// status.
type NotReadyError = relation.NotReadyError

// notReadyReasons say what a missing key means.
var notReadyReasons = map[string]string{
	KeyDatabase:  "waiting for the database to be created",
	KeyUsername:  "waiting for the database credentials",
	KeyPassword:  "waiting for the database credentials",
	KeyEndpoints: "waiting for the database endpoints",
}

// readGroups are the groups that can hold Response fields.
var readGroups = [...]SecretGroup{GroupUser, GroupTLS, GroupExtra}

// ReadCredentials reads the provider's answer on the first relation of
// the requirer's endpoint (lowest ID; the endpoint is meant to have
// limit 1): secret-user and the other group secrets are read with
// secret-get <uri> --label SecretLabel(endpoint, id, group) --refresh,
// as the library does, so the label sticks for secret-changed; legacy
// plain username/password are read too. Until the answer is complete it
// returns a *NotReadyError; malformed data is a *databag.KeyError.
func ReadCredentials(c *charm.Context, endpoint string) (Credentials, error) {
	ids, err := c.RelationIDs(endpoint)
	if err != nil {
		return Credentials{}, fmt.Errorf("listing %s relations: %w", endpoint, err)
	}
	if len(ids) == 0 {
		return Credentials{}, relation.NotRelated(endpoint)
	}
	id := ids[0]
	notReady := func(key, reason string) error {
		return &NotReadyError{Endpoint: endpoint, RelationID: id, Key: key, Reason: reason}
	}
	app, bag, err := relation.RemoteAppData(c, id)
	if err != nil {
		return Credentials{}, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
	}
	if app == "" {
		return Credentials{}, notReady("", "waiting for the remote application")
	}
	if bag[KeyDatabase] == "" {
		return Credentials{}, notReady(KeyDatabase, notReadyReasons[KeyDatabase])
	}
	secrets := map[SecretGroup]map[string]string{}
	for _, g := range readGroups {
		uri := bag[g.Field()]
		if uri == "" {
			continue
		}
		content, err := readSecret(c, uri, SecretLabel(endpoint, id, g))
		if isNoAccess(err) {
			return Credentials{}, notReady("", fmt.Sprintf("waiting for access to the %s secret", g))
		}
		if err != nil {
			return Credentials{}, fmt.Errorf("reading %s relation %d: secret %s: %w", endpoint, id, g.Field(), err)
		}
		secrets[g] = content
	}
	resp, err := DecodeResponse(bag, secrets)
	if err != nil {
		if key, missing := databag.MissingKey(err); missing && notReadyReasons[key] != "" {
			return Credentials{}, notReady(key, notReadyReasons[key])
		}
		return Credentials{}, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
	}
	return Credentials{
		RelationID:        id,
		Database:          resp.Database,
		Endpoints:         SplitEndpoints(resp.Endpoints),
		ReadOnlyEndpoints: SplitEndpoints(resp.ReadOnlyEndpoints),
		Username:          resp.Username,
		Password:          resp.Password,
		URIs:              resp.URIs,
		ReadOnlyURIs:      resp.ReadOnlyURIs,
		TLS:               resp.TLS,
		TLSCA:             resp.TLSCA,
		Version:           resp.Version,
	}, nil
}

// readSecret reads a consumed secret's latest content and sticks label
// to it. Juju refuses a consumer label that another secret of this unit
// already has (a provider that replaced its secret): the URI alone then
// reads it.
func readSecret(c *charm.Context, uri, label string) (map[string]string, error) {
	opts := hooktool.SecretGetOptions{Refresh: true}
	content, err := c.Tools.SecretGet(c.Context(), hooktool.SecretRef{ID: uri, Label: label}, opts)
	var te *hooktool.Error
	if errors.As(err, &te) && strings.Contains(te.Stderr, "already exists") {
		content, err = c.Tools.SecretGet(c.Context(), hooktool.SecretRef{ID: uri}, opts)
	}
	if err != nil {
		return nil, err
	}
	return maps.Clone(content), nil
}

// DSN is the DSN for the database on the requirer's endpoint, or why not
// yet: a *NotReadyError (no relation, waiting for the database to be
// created, …), a *databag.KeyError for malformed data, or a hook tool
// failure. See Credentials.DSN for the form.
func DSN(c *charm.Context, endpoint string) (dsn string, why error) {
	cr, err := ReadCredentials(c, endpoint)
	if err != nil {
		return "", err
	}
	dsn, err = cr.DSN()
	if err != nil {
		return "", fmt.Errorf("%s relation %d: %w", endpoint, cr.RelationID, err)
	}
	return dsn, nil
}
