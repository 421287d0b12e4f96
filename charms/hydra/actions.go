package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
	"github.com/identity-platform-go/charms/internal/interfaces/postgresqlclient"
)

// Actions maps the reference charm's actions to their handlers.
func (h hydra) Actions() map[string]charm.ActionFunc {
	return map[string]charm.ActionFunc{
		"run-migration":                     h.runMigration,
		"create-oauth-client":               h.createClient,
		"get-oauth-client-info":             h.getClient,
		"update-oauth-client":               h.updateClient,
		"delete-oauth-client":               h.deleteClient,
		"list-oauth-clients":                h.listClients,
		"revoke-oauth-client-access-tokens": h.revokeTokens,
		"rotate-key":                        h.rotateKey,
		"reconcile-oauth-clients":           h.reconcileClients,
		"get-secret-keys":                   h.getSecretKeys,
		"add-secret-key":                    h.addSecretKey,
	}
}

// fail ends the action with action-fail; the returned nil keeps the
// action's buffered changes.
func fail(c *charm.Context, format string, args ...any) error {
	return c.Tools.ActionFail(c.Context(), fmt.Sprintf(format, args...))
}

func actionLog(c *charm.Context, format string, args ...any) {
	_ = c.Tools.ActionLog(c.Context(), fmt.Sprintf(format, args...))
}

// runMigration is run-migration: the leader migrates the database to the
// running Hydra version, records it, and reconciles (which starts Hydra
// if the migration was all it waited for).
func (h hydra) runMigration(c *charm.Context) error {
	ctx := c.Context()
	params, err := c.Tools.ActionGet(ctx)
	if err != nil {
		return err
	}
	timeout := actionMigrationTimeout
	if v, ok := params["timeout"].(float64); ok {
		if v <= 0 {
			return fail(c, "timeout must be a positive number of seconds")
		}
		timeout = time.Duration(v * float64(time.Second))
	}
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil {
		return err
	}
	if !leader {
		return fail(c, "Only the leader unit can run the database migration")
	}
	ctr := c.Container(containerName)
	if !ctr.CanConnect(ctx) {
		return fail(c, msgNotConnected)
	}
	peer, err := loadPeer(c, leader)
	if err != nil {
		return err
	}
	if !peer.exists() {
		return fail(c, "Peer integration is not ready yet")
	}
	creds, err := postgresqlclient.ReadCredentials(c, dbEndpoint)
	if _, why, cerr := classify(err); cerr != nil {
		return cerr
	} else if why != nil {
		return fail(c, "The database is not ready: %v", why)
	}
	dsn, err := creds.DSN()
	if err != nil {
		return fail(c, "The database is not ready: %v", err)
	}
	version, err := workloadVersion(ctx, ctr)
	if err != nil {
		return fail(c, "Cannot tell the Hydra version: %v", err)
	}

	actionLog(c, "Start migrating the database")
	if err := migrate(ctx, ctr, dsn, timeout); err != nil {
		var me *migrationError
		if errors.As(err, &me) && me.Output != "" {
			actionLog(c, "%s", me.Output)
		}
		logMigrationFailure(c, err)
		return fail(c, "Database migration failed: %v", err)
	}
	actionLog(c, "Successfully migrated the database")

	state, err := c.Tools.StateGetAll(ctx)
	if err != nil {
		return err
	}
	w := &world{peer: peer, state: state, creds: creds, version: version}
	if err := h.recordMigration(c, w); err != nil {
		return err
	}
	if state[stateVersion] != version {
		if err := c.Tools.StateSet(ctx, map[string]string{stateVersion: version}); err != nil {
			return err
		}
	}
	actionLog(c, "Successfully updated migration version")
	return h.Reconcile(c)
}

// serviceRunning is the reference's precondition of the client actions:
// the service is active and its ready check up.
func serviceRunning(c *charm.Context) bool {
	ctr := c.Container(containerName)
	if !ctr.CanConnect(c.Context()) {
		return false
	}
	svc, err := readServiceState(c.Context(), ctr)
	return err == nil && svc.running
}

// clientAction runs fn with the action's parameters and the admin API
// once Hydra runs.
func (h hydra) clientAction(c *charm.Context, fn func(params map[string]any, admin adminAPI) error) error {
	params, err := c.Tools.ActionGet(c.Context())
	if err != nil {
		return err
	}
	if !serviceRunning(c) {
		return fail(c, msgServiceNotReady)
	}
	return fn(params, h.admin())
}

// createClient is create-oauth-client.
func (h hydra) createClient(c *charm.Context) error {
	return h.clientAction(c, func(params map[string]any, admin adminAPI) error {
		want, err := clientFromParams(params, oauthClient{})
		if err != nil {
			return fail(c, "%v", err)
		}
		created, err := admin.CreateClient(c.Context(), want)
		if err != nil {
			logf(c, hooktool.LevelError, "Failed to create an OAuth client: %v", err)
			return fail(c, "Failed to create the OAuth client. Please check the juju logs")
		}
		return c.Tools.ActionSet(c.Context(), clientResults(c, created))
	})
}

// getClient is get-oauth-client-info.
func (h hydra) getClient(c *charm.Context) error {
	return h.clientAction(c, func(params map[string]any, admin adminAPI) error {
		id, _ := params["client-id"].(string)
		got, err := admin.GetClient(c.Context(), id)
		if err != nil {
			logf(c, hooktool.LevelError, "Failed to get the OAuth client: %v", err)
			return fail(c, "Failed to get the OAuth client. Please check the juju logs")
		}
		return c.Tools.ActionSet(c.Context(), clientResults(c, got))
	})
}

// updateClient is update-oauth-client: the parameters given are merged
// over the client, which must not belong to an oauth relation.
func (h hydra) updateClient(c *charm.Context) error {
	return h.clientAction(c, func(params map[string]any, admin adminAPI) error {
		id, _ := params["client-id"].(string)
		current, ok, err := editableClient(c, admin, id,
			"Cannot update the OAuth client %s because it's managed by an `oauth` integration")
		if !ok {
			return err
		}
		want, err := clientFromParams(params, current)
		if err != nil {
			return fail(c, "%v", err)
		}
		want.ID = id
		updated, err := admin.UpdateClient(c.Context(), want)
		if err != nil {
			logf(c, hooktool.LevelError, "Failed to update an OAuth client: %v", err)
			return fail(c, "Failed to update the OAuth client %s. Please check the juju logs", id)
		}
		actionLog(c, "Successfully updated the OAuth client %s", id)
		return c.Tools.ActionSet(c.Context(), clientResults(c, updated))
	})
}

// editableClient gets client id for update-oauth-client or
// delete-oauth-client. ok is false when the action has been failed
// instead (err is then what the action returns): Hydra did not give the
// client, or an oauth integration manages it and refused (a format
// taking the ID) says why not.
func editableClient(c *charm.Context, admin adminAPI, id, refused string) (cl oauthClient, ok bool, err error) {
	current, err := admin.GetClient(c.Context(), id)
	if err != nil {
		logf(c, hooktool.LevelError, "Failed to get the OAuth client: %v", err)
		return oauthClient{}, false, fail(c, "Failed to get the OAuth client %s. Please check the juju logs", id)
	}
	if current.integrationID() != "" {
		return oauthClient{}, false, fail(c, refused, id)
	}
	return current, true, nil
}

// deleteClient is delete-oauth-client; relation clients are refused.
func (h hydra) deleteClient(c *charm.Context) error {
	return h.clientAction(c, func(params map[string]any, admin adminAPI) error {
		id, _ := params["client-id"].(string)
		if _, ok, err := editableClient(c, admin, id,
			"Cannot delete the OAuth client %s because it's managed by an `oauth` integration. Please remove the integration first to delete it."); !ok {
			return err
		}
		if err := admin.DeleteClient(c.Context(), id); err != nil {
			logf(c, hooktool.LevelError, "Failed to delete an OAuth client: %v", err)
			return fail(c, "Failed to delete the OAuth client %s. Please check the juju logs", id)
		}
		actionLog(c, "Successfully deleted the OAuth client %s", id)
		return c.Tools.ActionSet(c.Context(), map[string]string{"client-id": id})
	})
}

// listClients is list-oauth-clients: clients = a JSON list of the
// clients, without secrets. (The reference fails on an empty list; an
// empty list is reported as "[]" here.)
func (h hydra) listClients(c *charm.Context) error {
	return h.clientAction(c, func(_ map[string]any, admin adminAPI) error {
		clients, err := admin.ListClients(c.Context())
		if err != nil {
			logf(c, hooktool.LevelError, "Failed to list all OAuth clients: %v", err)
			return fail(c, "Failed to list OAuth clients. Please check the juju logs")
		}
		dumps := make([]clientDump, 0, len(clients))
		for _, cl := range clients {
			cl.Secret = ""
			dumps = append(dumps, dumpClient(cl))
		}
		out, err := databag.PyJSON(dumps)
		if err != nil {
			return err
		}
		return c.Tools.ActionSet(c.Context(), map[string]string{"clients": out})
	})
}

// revokeTokens is revoke-oauth-client-access-tokens.
func (h hydra) revokeTokens(c *charm.Context) error {
	return h.clientAction(c, func(params map[string]any, admin adminAPI) error {
		id, _ := params["client-id"].(string)
		if err := admin.RevokeAccessTokens(c.Context(), id); err != nil {
			logf(c, hooktool.LevelError, "Failed to delete access tokens: %v", err)
			return fail(c, "Failed to revoke the access tokens of the OAuth client %s. Please check juju logs", id)
		}
		actionLog(c, "Successfully revoked the access tokens of the OAuth client %s", id)
		return c.Tools.ActionSet(c.Context(), map[string]string{"client-id": id})
	})
}

// rotateKey is rotate-key: a new ID-token signing key.
func (h hydra) rotateKey(c *charm.Context) error {
	return h.clientAction(c, func(params map[string]any, admin adminAPI) error {
		alg, _ := params["algorithm"].(string)
		kid, err := admin.CreateKey(c.Context(), idTokenKeySet, alg)
		if err != nil {
			logf(c, hooktool.LevelError, "Failed to create a JSON Web Key: %v", err)
			return fail(c, "Failed to rotate the JWK. Please check the juju logs")
		}
		actionLog(c, "Successfully rotated the JWK")
		return c.Tools.ActionSet(c.Context(), map[string]string{"new-key-id": kid})
	})
}

// reconcileClients is reconcile-oauth-clients: the lazy cleanup, now.
func (h hydra) reconcileClients(c *charm.Context) error {
	ctx := c.Context()
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil {
		return err
	}
	if !leader {
		return fail(c, "You need to run this action from the leader unit")
	}
	if !serviceRunning(c) {
		return fail(c, msgServiceNotReady)
	}
	w := &world{leader: true}
	if w.peer, err = loadPeer(c, true); err != nil {
		return err
	}
	if w.state, err = c.Tools.StateGetAll(ctx); err != nil {
		return err
	}
	deleted, err := h.cleanupClients(c, w, h.admin())
	if err != nil {
		return err
	}
	actionLog(c, "Successfully deleted %d clients", deleted)
	return nil
}

// getSecretKeys is get-secret-keys: {<type>: JSON list}, active first.
func (h hydra) getSecretKeys(c *charm.Context) error {
	kind, ok, err := h.keyAction(c)
	if err != nil || !ok {
		return err
	}
	keys, err := readKeys(c, kind)
	if err != nil {
		return err
	}
	out, err := databag.PyJSON(keys)
	if err != nil {
		return err
	}
	actionLog(c, "Successfully fetched the `%s` keys", kind.name)
	return c.Tools.ActionSet(c.Context(), map[string]string{kind.name: out})
}

// addSecretKey is add-secret-key: the key becomes the active one, the
// old ones stay for decryption; every unit re-renders hydra.yaml.
func (h hydra) addSecretKey(c *charm.Context) error {
	kind, ok, err := h.keyAction(c)
	if err != nil || !ok {
		return err
	}
	params, err := c.Tools.ActionGet(c.Context())
	if err != nil {
		return err
	}
	key, _ := params["key"].(string)
	if len(key) < minKeyLength {
		return fail(c, "Key must have at least %d characters", minKeyLength)
	}
	leader, err := c.Tools.IsLeader(c.Context())
	if err != nil {
		return err
	}
	if !leader {
		return fail(c, "You need to run this action from the leader unit")
	}
	keys, err := addKeys(c, kind, h.now(), key)
	if err != nil {
		return err
	}
	peer, err := loadPeer(c, true)
	if err != nil {
		return err
	}
	if err := h.announceKeys(c, peer); err != nil {
		return err
	}
	actionLog(c, "Successfully set the `%s` key", kind.name)
	return h.reconcile(c, map[string][]string{kind.name: keys})
}

// keyAction checks the preconditions of the key actions and returns the
// kind named by the type parameter.
func (h hydra) keyAction(c *charm.Context) (keyKind, bool, error) {
	params, err := c.Tools.ActionGet(c.Context())
	if err != nil {
		return keyKind{}, false, err
	}
	peer, err := loadPeer(c, false)
	if err != nil {
		return keyKind{}, false, err
	}
	if !peer.exists() {
		return keyKind{}, false, fail(c, "Peer integration is not ready yet")
	}
	for _, k := range keyKinds {
		keys, err := readKeys(c, k)
		if err != nil {
			return keyKind{}, false, err
		}
		if len(keys) == 0 {
			return keyKind{}, false, fail(c, "Juju secrets are not ready yet")
		}
	}
	name, _ := params["type"].(string)
	kind, ok := kindByName(name)
	if !ok {
		return keyKind{}, false, fail(c, "type must be system or cookie")
	}
	return kind, true, nil
}

// clientFromParams merges the action's client parameters over base.
func clientFromParams(params map[string]any, base oauthClient) (oauthClient, error) {
	out := base
	for _, s := range []struct {
		param string
		dst   *string
	}{
		{"name", &out.Name}, {"client-secret", &out.Secret}, {"token-endpoint-auth-method", &out.TokenEndpointAuthMethod},
		{"client-uri", &out.ClientURI},
	} {
		if v, ok := params[s.param]; ok {
			str, isString := v.(string)
			if !isString {
				return oauthClient{}, fmt.Errorf("%s must be a string", s.param)
			}
			*s.dst = str
		}
	}
	for _, l := range []struct {
		param string
		dst   *[]string
	}{
		{"contacts", &out.Contacts}, {"audience", &out.Audience}, {"grant-types", &out.GrantTypes},
		{"redirect-uris", &out.RedirectURIs}, {"response-types", &out.ResponseTypes},
	} {
		if v, ok := params[l.param]; ok {
			list, err := stringList(l.param, v)
			if err != nil {
				return oauthClient{}, err
			}
			*l.dst = list
		}
	}
	if v, ok := params["scope"]; ok {
		list, err := stringList("scope", v)
		if err != nil {
			return oauthClient{}, err
		}
		out.Scope = strings.Join(list, " ")
	}
	if v, ok := params["metadata"]; ok {
		s, isString := v.(string)
		if !isString {
			return oauthClient{}, errors.New("metadata must be a string")
		}
		kv, err := parseKV(s)
		if err != nil {
			return oauthClient{}, err
		}
		out.Metadata = kv
	}
	return out, nil
}

func stringList(param string, v any) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s must be a list of strings", param)
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("%s must be a list of strings", param)
		}
		out = append(out, s)
	}
	return out, nil
}

// parseKV is the reference's parse_kv_string: shell words of key=value
// (quotes allow spaces).
func parseKV(s string) (map[string]any, error) {
	words, err := shellSplit(s)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	out := map[string]any{}
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			return nil, fmt.Errorf("Invalid key-value pair: '%s'. Expected format 'key=value' (values with spaces should be quoted).", w)
		}
		out[k] = v
	}
	return out, nil
}

// shellSplit is Python's shlex.split (POSIX mode): words separated by
// blanks, single quotes literal, double quotes with \ escaping \ " $ `
// and newline, a backslash outside quotes escaping the next character.
func shellSplit(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case ch == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("No closing quotation")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case ch == '"':
			inWord = true
			closed := false
			for i++; i < len(s); i++ {
				if s[i] == '"' {
					closed = true
					break
				}
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\\"$`\n", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if !closed {
				return nil, errors.New("No closing quotation")
			}
		case ch == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("No escaped character")
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// clientDump is the reference's OAuthClient.model_dump(by_alias=True,
// exclude_none=True), in its field order; scope is a list.
type clientDump struct {
	RedirectURIs            []string       `json:"redirect-uris"`
	ResponseTypes           []string       `json:"response-types"`
	Scope                   []string       `json:"scope"`
	TokenEndpointAuthMethod string         `json:"token-endpoint-auth-method"`
	Metadata                map[string]any `json:"metadata"`
	Audience                []string       `json:"audience"`
	ClientID                string         `json:"client-id"`
	ClientSecret            string         `json:"client-secret,omitempty"`
	GrantTypes              []string       `json:"grant-types"`
	Name                    string         `json:"name"`
	Contacts                []string       `json:"contacts"`
	ClientURI               string         `json:"client-uri"`
}

func dumpClient(cl oauthClient) clientDump {
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	md := cl.Metadata
	if md == nil {
		md = map[string]any{}
	}
	return clientDump{
		RedirectURIs: nonNil(cl.RedirectURIs), ResponseTypes: nonNil(cl.ResponseTypes), Scope: nonNil(strings.Fields(cl.Scope)),
		TokenEndpointAuthMethod: cl.TokenEndpointAuthMethod, Metadata: md, Audience: nonNil(cl.Audience),
		ClientID: cl.ID, ClientSecret: cl.Secret, GrantTypes: nonNil(cl.GrantTypes), Name: cl.Name,
		Contacts: nonNil(cl.Contacts), ClientURI: cl.ClientURI,
	}
}

// resultKeyRE is Juju's rule for one segment of an action-set key.
var resultKeyRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// clientResults are the client as the reference's actions return it: ops
// flattens the dump into action-set keys, lists become their Python repr
// (['a', 'b']) and the metadata dict nests as metadata.<key>.
func clientResults(c *charm.Context, cl oauthClient) map[string]string {
	d := dumpClient(cl)
	out := map[string]string{
		"redirect-uris":              pyRepr(d.RedirectURIs),
		"response-types":             pyRepr(d.ResponseTypes),
		"scope":                      pyRepr(d.Scope),
		"token-endpoint-auth-method": d.TokenEndpointAuthMethod,
		"audience":                   pyRepr(d.Audience),
		"client-id":                  d.ClientID,
		"grant-types":                pyRepr(d.GrantTypes),
		"name":                       d.Name,
		"contacts":                   pyRepr(d.Contacts),
		"client-uri":                 d.ClientURI,
	}
	if d.ClientSecret != "" {
		out["client-secret"] = d.ClientSecret
	}
	for k, v := range d.Metadata {
		if !resultKeyRE.MatchString(k) {
			logf(c, hooktool.LevelWarning, "Metadata key %q cannot be an action result key; left out", k)
			continue
		}
		out["metadata."+k] = pyStr(v)
	}
	return out
}

// pyStr is Python's str() of a JSON value.
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return databag.Bool(x)
	case nil:
		return "None"
	}
	return fmt.Sprint(v)
}

// pyRepr is Python's repr() of a list of strings.
func pyRepr(items []string) string {
	parts := make([]string, len(items))
	for i, s := range items {
		parts[i] = pyReprString(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// pyReprString is Python's repr() of a str: single quotes unless the
// string holds a single quote and no double quote.
func pyReprString(s string) string {
	quote := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// announceKeys has the leader note a key change in the peer data, so that
// every unit runs relation-changed and re-renders hydra.yaml now: Juju
// sends no secret-changed to the units of the application that owns a
// secret.
func (h hydra) announceKeys(c *charm.Context, peer *peerData) error {
	if !peer.exists() {
		return nil
	}
	return peer.set(keysChangedKey, h.now().UnixNano())
}

// keysChangedKey is the peer key announceKeys writes (ours; the reference
// has none).
const keysChangedKey = "keys_changed"
