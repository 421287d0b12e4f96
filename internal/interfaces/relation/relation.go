// Package relation holds the charm-facing helpers every relation-interface
// package under internal/interfaces shares: writing this application's
// databag on the leader, reading the remote application's databag, and
// the error a requirer returns while the other side has not published.
//
// It knows no interface's keys or encodings (those stay in each interface
// package, with databag for the value encodings); it only speaks to Juju
// through a *charm.Context, with the rules every interface follows:
//
//   - only the leader may write the application databag: on other units
//     the writers here do nothing and return nil, as the Python
//     libraries' leader checks do;
//   - "live" relations are charm.Context.RelationIDs: a relation being
//     broken in this hook no longer counts;
//   - relation-set deletes a key given an empty value (see ClearMissing).
package relation

import (
	"fmt"
	"maps"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// PublishApp has the leader write bag into the application databag of
// every live relation of endpoint. With no relation it returns nil without
// asking for leadership; on a unit that is not the leader it writes
// nothing and returns nil. Keys bag does not name are left as they are;
// see ClearMissing to delete them.
func PublishApp(c *charm.Context, endpoint string, bag map[string]string) error {
	ids, err := WritableIDs(c, endpoint)
	if err != nil {
		return fmt.Errorf("publishing %s: %w", endpoint, err)
	}
	return setApp(c, endpoint, ids, bag)
}

// SetApp has the leader write bag into the application databag of
// relation relID of endpoint (endpoint only names the relation in
// errors). On other units it writes nothing and returns nil.
func SetApp(c *charm.Context, endpoint string, relID int, bag map[string]string) error {
	leader, err := c.Tools.IsLeader(c.Context())
	if err != nil {
		return fmt.Errorf("publishing %s: %w", endpoint, err)
	}
	if !leader {
		return nil
	}
	return setApp(c, endpoint, []int{relID}, bag)
}

func setApp(c *charm.Context, endpoint string, ids []int, bag map[string]string) error {
	for _, id := range ids {
		if err := c.Tools.RelationSet(c.Context(), id, true, bag); err != nil {
			return fmt.Errorf("publishing %s on relation %d: %w", endpoint, id, err)
		}
	}
	return nil
}

// WritableIDs returns the live relations of endpoint whose application
// databag this unit may write: all of them on the leader, none on other
// units. With no relation it does not ask for leadership. Errors are the
// hook tools', for the caller to wrap. It is PublishApp's first step, for
// callers that do more than write one bag everywhere.
func WritableIDs(c *charm.Context, endpoint string) ([]int, error) {
	ids, err := c.RelationIDs(endpoint)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	leader, err := c.Tools.IsLeader(c.Context())
	if err != nil || !leader {
		return nil, err
	}
	return ids, nil
}

// ClearMissing returns a copy of bag in which every key of keys that bag
// does not set maps to "", which relation-set deletes. Interface packages
// pass the optional keys they own, so that a value no longer published is
// removed rather than left stale for the remote side to act on (the Python
// libraries' dict.update would leave it).
func ClearMissing(bag map[string]string, keys ...string) map[string]string {
	out := make(map[string]string, len(bag)+len(keys))
	for _, k := range keys {
		out[k] = ""
	}
	maps.Copy(out, bag)
	return out
}

// RemoteAppData returns the name of the application on the other side of
// relation relID (relation-list --app) and its application databag
// (relation-get --app - <app>). When Juju names no remote application the
// bag is empty and relation-get is not run: with an empty name it would
// read the remote application of the hook's own relation instead. Errors
// are the hook tools', for the caller to wrap.
func RemoteAppData(c *charm.Context, relID int) (app string, bag map[string]string, err error) {
	app, err = c.Tools.RelationRemoteApp(c.Context(), relID)
	if err != nil {
		return "", nil, err
	}
	if app == "" {
		return "", map[string]string{}, nil
	}
	bag, err = c.Tools.RelationGet(c.Context(), relID, app, true)
	if err != nil {
		return "", nil, err
	}
	return app, bag, nil
}

// First reads the remote application databag on the first live relation
// of endpoint (the lowest ID; for endpoints declared with limit 1) and
// decodes it. No relation is a *NotReadyError (NoRelation), and so is a
// decode error for a required key the remote side has not written yet
// (see databag.MissingKey); any other error is wrapped with the endpoint
// and the relation ID.
func First[T any](c *charm.Context, endpoint string, decode func(map[string]string) (T, error)) (T, error) {
	var zero T
	ids, err := c.RelationIDs(endpoint)
	if err != nil {
		return zero, fmt.Errorf("reading %s: %w", endpoint, err)
	}
	if len(ids) == 0 {
		return zero, NotRelated(endpoint)
	}
	id := ids[0]
	_, bag, err := RemoteAppData(c, id)
	if err != nil {
		return zero, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
	}
	v, err := decode(bag)
	if key, ok := databag.MissingKey(err); ok {
		return zero, &NotReadyError{Endpoint: endpoint, RelationID: id, Key: key}
	}
	if err != nil {
		return zero, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
	}
	return v, nil
}
