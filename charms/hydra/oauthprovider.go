package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/oauth"
)

// clientKeyPrefix starts the peer keys recording the client of each oauth
// relation: oauth_<relation id> = {"client_id": "..."} (§1.6).
const clientKeyPrefix = "oauth_"

func clientKey(relID int) string { return clientKeyPrefix + strconv.Itoa(relID) }

// clientRecord is a peer oauth_<id> value. The reference stores client_id
// only; applied (a digest of the request last applied to the client) is
// ours, so that a reconcile updates the client only when the request
// changed. A record without it (written by the reference) is updated once.
type clientRecord struct {
	ClientID string `json:"client_id"`
	Applied  string `json:"applied,omitempty"`
}

// relationClient is the client the reference registers for an oauth
// request (§1.8): the requirer's fields, response type code, and the
// relation in its metadata, which protects it from the update and delete
// actions.
func relationClient(relID int, cfg oauth.ClientConfig) oauthClient {
	return oauthClient{
		RedirectURIs:            strings.Fields(cfg.RedirectURI),
		Scope:                   cfg.Scope,
		GrantTypes:              cfg.GrantTypes,
		Audience:                cfg.Audience,
		TokenEndpointAuthMethod: cfg.AuthMethod(),
		ResponseTypes:           []string{"code"},
		Metadata:                map[string]any{"integration-id": strconv.Itoa(relID)},
	}
}

// digest identifies what a relation asked for (an empty list and no list
// are the same request).
func digest(c oauthClient) string {
	orNil := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return s
	}
	b, _ := json.Marshal([]any{orNil(c.RedirectURIs), c.Scope, orNil(c.GrantTypes), orNil(c.Audience), c.TokenEndpointAuthMethod, orNil(c.ResponseTypes), c.Metadata})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// providerInfo is what every oauth requirer learns (§1.8, step 1).
func providerInfo(c *charm.Context, w *world) oauth.ProviderInfo {
	return oauth.ProviderInfo{
		IssuerURL:             issuerURL(w.publicURL),
		AuthorizationEndpoint: publicEndpoint(w.publicURL, "oauth2/auth"),
		TokenEndpoint:         publicEndpoint(w.publicURL, "oauth2/token"),
		IntrospectionEndpoint: serviceURL(c, adminPort) + "/admin/oauth2/introspect",
		UserinfoEndpoint:      publicEndpoint(w.publicURL, "userinfo"),
		JWKSEndpoint:          publicEndpoint(w.publicURL, ".well-known/jwks.json"),
		Scope:                 strings.Join(supportedScopes, " "),
		JWTAccessToken:        w.set.jwtAccessTokens,
	}
}

// serviceURL is Hydra's in-cluster URL on port: its Kubernetes service.
func serviceURL(c *charm.Context, port int) string {
	return "http://" + c.Env.AppName + "." + c.Env.ModelName + ".svc.cluster.local:" + strconv.Itoa(port)
}

// reconcileOAuth is the leader's side of the oauth relations: provider
// info on every relation once there is a public URL, and, while Hydra
// runs, one client per relation (created, or updated in place when the
// request changed) and the removal of the clients of relations that are
// gone.
func (h hydra) reconcileOAuth(c *charm.Context, w *world, running bool) error {
	if !w.leader {
		return nil
	}
	if w.publicURL != "" {
		if err := oauth.PublishProviderInfo(c, oauthEndpoint, providerInfo(c, w)); err != nil {
			return err
		}
	}
	if !running || !w.peer.exists() {
		return nil
	}
	reqs, err := oauth.Requests(c, oauthEndpoint)
	if err != nil {
		return err
	}
	admin := h.admin()
	for _, r := range reqs {
		switch {
		case errors.Is(r.Err, oauth.ErrNoRequest):
			continue
		case r.Err != nil:
			logf(c, hooktool.LevelWarning, "Ignoring an invalid client request: %v", r.Err)
			continue
		}
		if err := h.applyClient(c, w, admin, r); err != nil {
			return err
		}
	}
	if _, err := h.cleanupClients(c, w, admin); err != nil {
		return err
	}
	return nil
}

// applyClient creates or updates the client of one relation. Hydra
// failures are logged and retried on the next hook; an error is returned
// only for a hook-tool failure, after undoing a client created in this
// hook (its record would be lost with the hook's changes).
func (h hydra) applyClient(c *charm.Context, w *world, admin adminAPI, r oauth.Request) error {
	ctx := c.Context()
	key := clientKey(r.RelationID)
	want := relationClient(r.RelationID, r.Config)
	var rec clientRecord
	present, err := w.peer.get(key, &rec)
	if err != nil || (present && rec.ClientID == "") {
		logf(c, hooktool.LevelWarning, "Peer key %s is not a client record; registering a new client", key)
		present = false
	}
	if present && rec.Applied == digest(want) {
		return nil
	}
	if present {
		want.ID = rec.ClientID
		_, err := admin.UpdateClient(ctx, want)
		switch {
		case errors.Is(err, errClientNotFound):
			logf(c, hooktool.LevelWarning, "The OAuth client %s of relation %d is gone from Hydra; registering a new one", rec.ClientID, r.RelationID)
			want.ID = ""
		case err != nil:
			logf(c, hooktool.LevelError, "Failed to update the OAuth client bound with the oauth integration %d: %v", r.RelationID, err)
			return nil
		default:
			return w.peer.set(key, clientRecord{ClientID: rec.ClientID, Applied: digest(want)})
		}
	}
	created, err := admin.CreateClient(ctx, want)
	if err != nil {
		logf(c, hooktool.LevelError, "Failed to create the OAuth client bound with the oauth integration %d: %v", r.RelationID, err)
		return nil
	}
	if err := errors.Join(
		w.peer.set(key, clientRecord{ClientID: created.ID, Applied: digest(want)}),
		oauth.PublishClient(c, r.RelationID, created.ID, created.Secret),
	); err != nil {
		if derr := admin.DeleteClient(ctx, created.ID); derr != nil {
			logf(c, hooktool.LevelError, "Failed to delete the OAuth client %s after a failed hook: %v; run reconcile-oauth-clients", created.ID, derr)
		}
		return err
	}
	logf(c, hooktool.LevelInfo, "Registered the OAuth client %s for relation %d (%s)", created.ID, r.RelationID, r.RemoteApp)
	return nil
}

// cleanupClients deletes the clients of oauth relations that are gone,
// with their secrets, and forgets them (leader only). A relation-broken
// hook cannot tell a removed relation from this unit leaving
// (canonical/hydra-operator#268), so cleanup never happens in one for the
// broken relation, nor on a unit that is leaving: only later, on a unit
// that stays. A client Hydra fails to delete is kept on record and
// retried.
func (h hydra) cleanupClients(c *charm.Context, w *world, admin adminAPI) (int, error) {
	if !w.leader || !w.peer.exists() {
		return 0, nil
	}
	live, err := c.RelationIDs(oauthEndpoint)
	if err != nil {
		return 0, err
	}
	if c.Event.Kind == charm.RelationBroken && c.Event.Relation == oauthEndpoint {
		live = append(live, c.Event.RelationID)
	}
	var stale []int
	for _, k := range w.peer.keysWithPrefix(clientKeyPrefix) {
		id, err := strconv.Atoi(strings.TrimPrefix(k, clientKeyPrefix))
		if err == nil && !slices.Contains(live, id) {
			stale = append(stale, id)
		}
	}
	if len(stale) == 0 {
		return 0, nil
	}
	dying, err := h.leaving(c, w)
	if err != nil || dying {
		return 0, err
	}
	ctx := c.Context()
	deleted := 0
	for _, id := range stale {
		key := clientKey(id)
		var rec clientRecord
		if ok, err := w.peer.get(key, &rec); err == nil && ok && rec.ClientID != "" {
			err := admin.DeleteClient(ctx, rec.ClientID)
			if err != nil && !errors.Is(err, errClientNotFound) {
				logf(c, hooktool.LevelError, "Failed to delete the OAuth client bound with the oauth integration %d: %v. Please run the 'reconcile-oauth-clients' action.", id, err)
				continue
			}
		}
		if err := oauth.RemoveClientSecret(c, id); err != nil {
			return deleted, err
		}
		if err := w.peer.del(key); err != nil {
			return deleted, err
		}
		logf(c, hooktool.LevelInfo, "Deleted the OAuth client %s of the removed relation %d", rec.ClientID, id)
		deleted++
	}
	return deleted, nil
}

// leaving reports whether this unit is going away: it saw itself depart
// (stateDying), or Juju's goal state says it is dying.
func (h hydra) leaving(c *charm.Context, w *world) (bool, error) {
	if w.state[stateDying] != "" {
		return true, nil
	}
	gs, err := c.Tools.GoalState(c.Context())
	if err != nil {
		return false, fmt.Errorf("reading the goal state: %w", err)
	}
	return gs.Units[c.Env.UnitName].Status == "dying", nil
}
