package oauth

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/relation"
)

// ---------------------------------------------------------------------
// Requirer side.

// RequestClient validates cfg and has the leader write it into the
// application databag of every relation of the requirer's endpoint (the
// library's update_client_config, applied to all relations). A bad cfg is
// an error naming the key on every unit, leader or not; on other units
// RequestClient then does nothing, as the library does. Call it on every
// hook that may have changed the config, and on relation-created.
//
// Unlike the library's dict.update, an optional key that is no longer set
// (redirect_uri, client_id) is deleted rather than left stale.
func RequestClient(c *charm.Context, endpoint string, cfg ClientConfig) error {
	bag, err := EncodeClientConfig(cfg)
	if err != nil {
		return fmt.Errorf("%s client config: %w", endpoint, err)
	}
	ids, err := relation.WritableIDs(c, endpoint)
	if err != nil || len(ids) == 0 {
		return err
	}
	if cfg.InsecureRedirect() {
		// The library's warning, once per call.
		_ = c.Tools.Log(c.Context(), hooktool.LevelWarning, "Provided Redirect URL uses http scheme. Don't do this in production")
	}
	return writeAll(c, endpoint, "client config", ids, relation.ClearMissing(bag, KeyRedirectURI, KeyClientID))
}

// writeAll writes bag into the application databag of relations ids
// (what names the data in errors).
func writeAll(c *charm.Context, endpoint, what string, ids []int, bag map[string]string) error {
	for _, id := range ids {
		if err := c.Tools.RelationSet(c.Context(), id, true, bag); err != nil {
			return fmt.Errorf("writing %s %s on relation %d: %w", endpoint, what, id, err)
		}
	}
	return nil
}

// Registration is what a requirer learns from the provider: its
// endpoints, the registered client and the client secret.
type Registration struct {
	ProviderData
	// ClientSecret is the content of the Juju secret ClientSecretID. It
	// is left out of String, so that logging a Registration is safe.
	ClientSecret string
}

// String shows r with the client secret redacted.
func (r Registration) String() string {
	secret := ""
	if r.ClientSecret != "" {
		secret = "<redacted>"
	}
	return fmt.Sprintf("oauth.Registration{IssuerURL:%q ClientID:%q ClientSecretID:%q ClientSecret:%s}",
		r.IssuerURL, r.ClientID, r.ClientSecretID, secret)
}

// GoString is String, so that %#v does not print the secret either.
func (r Registration) GoString() string { return r.String() }

// Client reads the provider's application databag on relation relID and,
// once a client is registered, the client secret (secret-get --refresh,
// so a rotated secret is picked up and tracked; the library sets no
// consumer label, nor does this). ready is true only when provider info,
// client_id and the secret are all there. Nothing published yet, or only
// the provider info, is not an error: ready is false and the returned
// Registration holds what is known. A databag the library would reject is
// an error wrapping a *databag.KeyError.
func Client(c *charm.Context, relID int) (reg Registration, ready bool, err error) {
	app, bag, err := relation.RemoteAppData(c, relID)
	if err != nil {
		return Registration{}, false, fmt.Errorf("reading oauth relation %d: %w", relID, err)
	}
	if len(bag) == 0 {
		return Registration{}, false, nil
	}
	data, err := DecodeProviderData(bag)
	if err != nil {
		return Registration{}, false, fmt.Errorf("oauth relation %d, data from %s: %w", relID, app, err)
	}
	reg.ProviderData = data
	if !data.Registered() {
		return reg, false, nil
	}
	content, err := c.Tools.SecretGet(c.Context(), hooktool.SecretRef{ID: data.ClientSecretID}, hooktool.SecretGetOptions{Refresh: true})
	if err != nil {
		return reg, false, fmt.Errorf("reading the client secret %s of oauth relation %d: %w", data.ClientSecretID, relID, err)
	}
	secret, ok := content[SecretField]
	if !ok || secret == "" {
		return reg, false, fmt.Errorf("the client secret %s of oauth relation %d has no %q field", data.ClientSecretID, relID, SecretField)
	}
	reg.ClientSecret = secret
	return reg, true, nil
}

// ClientFor is Client for an endpoint with at most one relation (the
// reference requirers declare limit: 1): no relation is not ready, more
// than one is an error, as in the library.
func ClientFor(c *charm.Context, endpoint string) (Registration, bool, error) {
	ids, err := c.RelationIDs(endpoint)
	switch {
	case err != nil:
		return Registration{}, false, err
	case len(ids) == 0:
		return Registration{}, false, nil
	case len(ids) > 1:
		return Registration{}, false, fmt.Errorf("%s has %d relations; read each with oauth.Client", endpoint, len(ids))
	}
	return Client(c, ids[0])
}

// ---------------------------------------------------------------------
// Provider side.

// ErrNoRequest is a Request's Err while the requirer has written nothing.
var ErrNoRequest = errors.New("no client requested yet")

// Request is one relation's client request, as the provider sees it.
type Request struct {
	RelationID int
	RemoteApp  string
	// Config is valid when Err is nil.
	Config ClientConfig
	// ClientID is the client_id this application has already published
	// on the relation: the library's test for client_created ("") versus
	// client_changed. Only the leader can read it; "" on other units.
	ClientID string
	// Err is ErrNoRequest when the requirer's databag is empty, or the
	// validation error (wrapping a *databag.KeyError) for a request the
	// library would reject.
	Err error
}

// Requests reads the requirer's application databag on every live
// relation of the provider's endpoint. Only failures to talk to Juju are
// errors; a bad request is reported in its Request.
func Requests(c *charm.Context, endpoint string) ([]Request, error) {
	ids, err := c.RelationIDs(endpoint)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	leader, err := c.Tools.IsLeader(c.Context())
	if err != nil {
		return nil, err
	}
	out := make([]Request, 0, len(ids))
	for _, id := range ids {
		app, bag, err := relation.RemoteAppData(c, id)
		if err != nil {
			return nil, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
		}
		r := Request{RelationID: id, RemoteApp: app, Err: ErrNoRequest}
		if len(bag) > 0 {
			r.Config, r.Err = DecodeClientConfig(bag)
			if r.Err != nil {
				r.Err = fmt.Errorf("client request from %s on %s relation %d: %w", app, endpoint, id, r.Err)
			}
		}
		if leader {
			own, err := c.Tools.RelationGet(c.Context(), id, c.Env.AppName, true)
			if err != nil {
				return nil, fmt.Errorf("reading own data on %s relation %d: %w", endpoint, id, err)
			}
			r.ClientID = own[KeyClientID]
		}
		out = append(out, r)
	}
	return out, nil
}

// PublishProviderInfo validates info and has the leader write it into the
// application databag of every relation of the provider's endpoint. On
// other units it does nothing, as the library does. groups and ca_chain
// are deleted when no longer set (the library would leave them stale).
func PublishProviderInfo(c *charm.Context, endpoint string, info ProviderInfo) error {
	bag, err := EncodeProviderInfo(info)
	if err != nil {
		return fmt.Errorf("%s provider info: %w", endpoint, err)
	}
	ids, err := relation.WritableIDs(c, endpoint)
	if err != nil {
		return err
	}
	return writeAll(c, endpoint, "provider info", ids, relation.ClearMissing(bag, KeyGroups, KeyCAChain))
}

// SecretLabel is the owner label of relation relID's client secret, as the
// library names it.
func SecretLabel(relID int) string { return "client_secret_" + strconv.Itoa(relID) }

// PublishClient creates or rotates the client secret of relation relID
// and publishes the client, in one call (leader only; on other units it
// does nothing):
//
//   - the application-owned secret labelled SecretLabel(relID) gets
//     content {"secret": clientSecret}: created if absent, otherwise
//     updated with secret-set — Juju makes a new revision only when the
//     content changed, so calling this on every hook is free, and a new
//     secret reaches the requirer as a secret-changed;
//   - the secret is granted to the relation (again: grants are idempotent);
//   - client_id and client_secret_id are written to the relation's
//     application databag.
//
// Errors never include clientSecret.
func PublishClient(c *charm.Context, relID int, clientID, clientSecret string) error {
	if err := requiredPlain(KeyClientID, clientID); err != nil {
		return fmt.Errorf("oauth relation %d: %w", relID, err)
	}
	if clientSecret == "" {
		return fmt.Errorf("oauth relation %d: empty client secret", relID)
	}
	ctx := c.Context()
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil || !leader {
		return err
	}
	label := SecretLabel(relID)
	content := map[string]string{SecretField: clientSecret}
	info, err := c.Tools.SecretInfoGet(ctx, hooktool.SecretRef{Label: label})
	var uri string
	switch {
	case isNotFound(err):
		uri, err = c.Tools.SecretAdd(ctx, content, hooktool.SecretOptions{Label: label, Owner: "application"})
		if err != nil {
			return fmt.Errorf("creating secret %s: %w", label, err)
		}
	case err != nil:
		return fmt.Errorf("looking up secret %s: %w", label, err)
	default:
		if err := c.Tools.SecretSet(ctx, info.ID, content, hooktool.SecretOptions{}); err != nil {
			return fmt.Errorf("updating secret %s: %w", label, err)
		}
		if uri, err = secretURI(c, relID, info.ID); err != nil {
			return err
		}
	}
	if err := c.Tools.SecretGrant(ctx, uri, relID, ""); err != nil {
		return fmt.Errorf("granting secret %s to relation %d: %w", label, relID, err)
	}
	bag, err := EncodeClient(clientID, uri)
	if err != nil {
		return fmt.Errorf("oauth relation %d: %w", relID, err)
	}
	if err := c.Tools.RelationSet(ctx, relID, true, bag); err != nil {
		return fmt.Errorf("writing the client on oauth relation %d: %w", relID, err)
	}
	return nil
}

// secretURI is the URI to publish for an existing secret with bare ID id:
// the one already in the databag when it names that secret (so the value
// does not churn), else the form secret-add prints in Juju 3.6,
// secret://<model UUID>/<ID>, which a consumer in another model can
// resolve too.
func secretURI(c *charm.Context, relID int, id string) (string, error) {
	own, err := c.Tools.RelationGet(c.Context(), relID, c.Env.AppName, true)
	if err != nil {
		return "", fmt.Errorf("reading own data on oauth relation %d: %w", relID, err)
	}
	if cur := own[KeyClientSecretID]; cur != "" && bareSecretID(cur) == id {
		return cur, nil
	}
	if c.Env.ModelUUID == "" {
		return "secret:" + id, nil
	}
	return "secret://" + c.Env.ModelUUID + "/" + id, nil
}

// bareSecretID strips "secret:" and "secret://<source>/" from a URI.
func bareSecretID(uri string) string {
	s := strings.TrimPrefix(uri, "secret:")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// RemoveClientSecret removes every revision of relation relID's client
// secret, for cleanup once the relation is gone (leader only; on other
// units it does nothing). A secret that does not exist is not an error.
//
// Hydra itself does not remove clients on relation-broken, which it cannot
// tell apart from its own unit being removed (canonical/hydra-operator#268),
// and instead cleans up relations it no longer sees; either way, this is
// the call that drops the secret.
func RemoveClientSecret(c *charm.Context, relID int) error {
	ctx := c.Context()
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil || !leader {
		return err
	}
	label := SecretLabel(relID)
	info, err := c.Tools.SecretInfoGet(ctx, hooktool.SecretRef{Label: label})
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("looking up secret %s: %w", label, err)
	}
	if err := c.Tools.SecretRemove(ctx, info.ID, 0); err != nil {
		return fmt.Errorf("removing secret %s: %w", label, err)
	}
	return nil
}

// isNotFound reports a hook tool's "… not found" answer (Juju's
// errors.NotFound, as secret-info-get prints it for an unknown label).
func isNotFound(err error) bool {
	var te *hooktool.Error
	return errors.As(err, &te) && te.Err == nil && strings.HasSuffix(strings.TrimSpace(te.Stderr), "not found")
}
