package postgresqlclient

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
	"github.com/identity-platform-go/charms/internal/interfaces/relation"
)

// ErrPremature is the library's PrematureDataAccessError: nothing but
// endpoints, read-only-endpoints and replset may be published before the
// requirer has written "database".
var ErrPremature = errors.New("the requirer has not asked for a database yet")

// DatabaseRequest is one relation of the provider's endpoint and what its
// requirer asked for.
type DatabaseRequest struct {
	RelationID int
	RemoteApp  string
	// Request is valid when Err is nil.
	Request Request
	// Err says why there is no usable request: a *databag.KeyError; for
	// "database" wrapping databag.ErrMissing while the requirer has not
	// asked yet (publish endpoints only, see PublishEndpoints), otherwise
	// a request the provider must refuse.
	Err error
}

// Pending reports whether the requirer has not asked for a database yet.
func (r DatabaseRequest) Pending() bool {
	key, missing := databag.MissingKey(r.Err)
	return missing && key == KeyDatabase
}

// Requests reads the request on every live relation of the provider's
// endpoint, in relation ID order. Any unit may call it. Bad or missing
// requests are reported per relation in DatabaseRequest.Err; the error
// is for hook tools that failed.
func Requests(c *charm.Context, endpoint string) ([]DatabaseRequest, error) {
	ids, err := c.RelationIDs(endpoint)
	if err != nil {
		return nil, fmt.Errorf("listing %s relations: %w", endpoint, err)
	}
	out := make([]DatabaseRequest, 0, len(ids))
	for _, id := range ids {
		app, bag, err := relation.RemoteAppData(c, id)
		if err != nil {
			return nil, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
		}
		req := DatabaseRequest{RelationID: id, RemoteApp: app}
		req.Request, req.Err = DecodeRequest(bag)
		out = append(out, req)
	}
	return out, nil
}

// Publish answers the request on relation relID of the provider's
// endpoint with resp, in one go: it creates or updates the group secrets
// (labelled SecretLabel(endpoint, relID, group), granted to the
// relation; an update merges into the secret's content, and a secret
// left empty is removed), then writes every databag key — secret-<group>
// URIs, plain fields, the "data" snapshot — in one relation-set, so that
// a Python requirer sees secret-user appear together with database.
// resp is the relation's whole answer: managed fields it leaves empty are
// deleted. Writing nothing that has not changed, Publish can run on every
// hook.
//
// Only the leader writes application data: on other units Publish does
// nothing and returns nil, as the library's leader_only does. Before the
// requirer has written "database" it returns ErrPremature.
func Publish(c *charm.Context, endpoint string, relID int, resp Response) error {
	if err := resp.Validate(); err != nil {
		return fmt.Errorf("publishing on %s relation %d: %w", endpoint, relID, err)
	}
	return publish(c, endpoint, relID, resp.fields(), false)
}

// PublishEndpoints writes the endpoints (read-only ones deleted when
// empty) on relation relID, which the library allows before the
// requirer has asked for a database. Leader only, like Publish.
func PublishEndpoints(c *charm.Context, endpoint string, relID int, endpoints, readOnly string) error {
	if _, err := parseEndpoints(KeyEndpoints, endpoints); err != nil {
		return fmt.Errorf("publishing on %s relation %d: %w", endpoint, relID, err)
	}
	if readOnly != "" {
		if _, err := parseEndpoints(KeyReadOnlyEndpoints, readOnly); err != nil {
			return fmt.Errorf("publishing on %s relation %d: %w", endpoint, relID, err)
		}
	}
	return publish(c, endpoint, relID, map[string]string{KeyEndpoints: endpoints, KeyReadOnlyEndpoints: readOnly}, true)
}

// publish writes fields (field → value; "" deletes) on one relation;
// early fields (endpoints only) may go before the request.
func publish(c *charm.Context, endpoint string, relID int, fields map[string]string, early bool) error {
	wrap := func(err error) error { return fmt.Errorf("publishing on %s relation %d: %w", endpoint, relID, err) }
	ctx := c.Context()
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil {
		return wrap(err)
	}
	if !leader {
		return nil
	}
	remoteApp, remote, err := relation.RemoteAppData(c, relID)
	if err != nil {
		return wrap(err)
	}
	if !early && remote[KeyDatabase] == "" {
		return wrap(ErrPremature)
	}
	requested, err := decodeFieldList(remote, KeyRequestedSecrets)
	if err != nil {
		return wrap(err)
	}
	local, err := c.Tools.RelationGet(ctx, relID, c.Env.AppName, true)
	if err != nil {
		return wrap(err)
	}
	inSecret := secretPlacement(requested, local)

	set := map[string]string{}
	edits := map[SecretGroup]map[string]string{}
	edit := func(g SecretGroup, f, v string) {
		if edits[g] == nil {
			edits[g] = map[string]string{}
		}
		edits[g][f] = v
	}
	for f, v := range fields {
		g := GroupOf(f)
		if inSecret(f) {
			edit(g, f, v)
			set[f] = "" // never also in plain form
			continue
		}
		set[f] = v
		if local[g.Field()] != "" {
			edit(g, f, "") // moved out of (or never in) the secret
		}
	}
	for _, g := range slices.Sorted(maps.Keys(edits)) {
		uri, err := applySecret(c, endpoint, relID, remoteApp, g, local[g.Field()], edits[g])
		if err != nil {
			return wrap(fmt.Errorf("secret group %s: %w", g, err))
		}
		set[g.Field()] = uri
	}
	snap, err := Snapshot(remote)
	if err != nil {
		return wrap(err)
	}
	set[KeyData] = snap
	for k, v := range set {
		if local[k] == v {
			delete(set, k) // unchanged, or deleting what is not there
		}
	}
	if err := c.Tools.RelationSet(ctx, relID, true, set); err != nil {
		return wrap(err)
	}
	return nil
}

// applySecret brings group g's secret in line with edits (field → value,
// "" removing the field) and returns the URI to write in secret-<g>
// ("" when the group has no secret any more). current is the URI the
// databag holds now.
func applySecret(c *charm.Context, endpoint string, relID int, remoteApp string, g SecretGroup, current string, edits map[string]string) (string, error) {
	ctx := c.Context()
	label := SecretLabel(endpoint, relID, g)
	info, found, err := findOwnedSecret(c, label, current)
	if err != nil {
		return "", err
	}
	if !found {
		content := map[string]string{}
		for f, v := range edits {
			if v != "" {
				content[f] = v
			}
		}
		if len(content) == 0 {
			return "", nil
		}
		uri, err := c.Tools.SecretAdd(ctx, content, hooktool.SecretOptions{Label: label})
		if err != nil {
			return "", err
		}
		if err := c.Tools.SecretGrant(ctx, uri, relID, ""); err != nil {
			return "", err
		}
		return uri, nil
	}
	id := info.ID
	old, err := c.Tools.SecretGet(ctx, hooktool.SecretRef{ID: id}, hooktool.SecretGetOptions{Peek: true})
	if err != nil {
		return "", err
	}
	content := maps.Clone(old)
	for f, v := range edits {
		if v == "" {
			delete(content, f)
		} else {
			content[f] = v
		}
	}
	if len(content) == 0 {
		// As the library does when every field of a group is deleted.
		if err := c.Tools.SecretRemove(ctx, id, 0); err != nil {
			return "", err
		}
		return "", nil
	}
	var opts hooktool.SecretOptions
	if info.Label != label {
		opts.Label = label
	}
	if !maps.Equal(old, content) {
		if err := c.Tools.SecretSet(ctx, id, content, opts); err != nil {
			return "", err
		}
	} else if opts.Label != "" {
		if err := c.Tools.SecretSet(ctx, id, nil, opts); err != nil {
			return "", err
		}
	}
	if !granted(info, remoteApp) {
		if err := c.Tools.SecretGrant(ctx, id, relID, ""); err != nil {
			return "", err
		}
	}
	if current != "" && bareSecretID(current) == id {
		return current, nil
	}
	return "secret:" + id, nil
}

// findOwnedSecret finds the application's secret for a group: by its
// label, else by the URI the databag holds.
func findOwnedSecret(c *charm.Context, label, uri string) (hooktool.SecretInfo, bool, error) {
	info, err := c.Tools.SecretInfoGet(c.Context(), hooktool.SecretRef{Label: label})
	if err == nil {
		return info, true, nil
	}
	if !isNotFound(err) {
		return hooktool.SecretInfo{}, false, err
	}
	if uri == "" {
		return hooktool.SecretInfo{}, false, nil
	}
	info, err = c.Tools.SecretInfoGet(c.Context(), hooktool.SecretRef{ID: uri})
	if err == nil {
		return info, true, nil
	}
	if isNotFound(err) {
		return hooktool.SecretInfo{}, false, nil
	}
	return hooktool.SecretInfo{}, false, err
}

func granted(info hooktool.SecretInfo, app string) bool {
	for _, a := range info.Access {
		if a.Target == "application-"+app {
			return true
		}
	}
	return false
}

// bareSecretID is the ID part of "secret:<id>", "secret://<uuid>/<id>"
// or a bare ID.
func bareSecretID(uri string) string {
	if i := strings.LastIndexAny(uri, ":/"); i >= 0 {
		return uri[i+1:]
	}
	return uri
}

// isNotFound reports a hook tool's "not found" answer, as ops maps it to
// SecretNotFoundError.
func isNotFound(err error) bool {
	var te *hooktool.Error
	return errors.As(err, &te) && strings.Contains(te.Stderr, "not found")
}

// isNoAccess reports a secret that is not (or no longer) readable.
func isNoAccess(err error) bool {
	var te *hooktool.Error
	return errors.As(err, &te) && (strings.Contains(te.Stderr, "not found") || strings.Contains(te.Stderr, "permission denied"))
}

// Revoke removes the group secrets of relation relID (call it on the
// provider's relation-broken), and when the relation is still alive also
// deletes their secret-<group> keys from the databag. Leader only: on
// other units it does nothing.
func Revoke(c *charm.Context, endpoint string, relID int) error {
	wrap := func(err error) error { return fmt.Errorf("revoking on %s relation %d: %w", endpoint, relID, err) }
	ctx := c.Context()
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil {
		return wrap(err)
	}
	if !leader {
		return nil
	}
	broken := c.Event.Kind == charm.RelationBroken && c.Event.RelationID == relID
	var local map[string]string
	if !broken {
		if local, err = c.Tools.RelationGet(ctx, relID, c.Env.AppName, true); err != nil {
			return wrap(err)
		}
	}
	set := map[string]string{}
	for _, g := range groups {
		info, found, err := findOwnedSecret(c, SecretLabel(endpoint, relID, g), local[g.Field()])
		if err != nil {
			return wrap(err)
		}
		if found {
			if err := c.Tools.SecretRemove(ctx, info.ID, 0); err != nil {
				return wrap(err)
			}
		}
		if local[g.Field()] != "" {
			set[g.Field()] = ""
		}
	}
	if broken {
		return nil
	}
	if err := c.Tools.RelationSet(ctx, relID, true, set); err != nil {
		return wrap(err)
	}
	return nil
}
