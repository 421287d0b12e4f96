package loginuiendpoints

import (
	"fmt"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/interfaces/relation"
)

// NotReadyError is a requirer's view of a provider that has not published
// yet: the endpoint has no relation (NoRelation) or no relation carries
// the required Key (RelationID is then -1: the key is missing from the
// merge of all of them). Charms report it as a status naming Endpoint.
type NotReadyError = relation.NotReadyError

// Publish writes u into the application databag of every relation of the
// provider's endpoint. Only the leader may write application data: on
// other units Publish does nothing and returns nil, as the library does.
//
// Unlike the library, which only adds keys (dict.update), Publish also
// deletes the keys of URLs that are now empty and the legacy index_url and
// default_url, so that requirers never see a page that is gone.
func Publish(c *charm.Context, endpoint string, u URLs) error {
	owned := append([]string{KeyIndexLegacy, KeyDefaultLegacy}, keys[:]...)
	return relation.PublishApp(c, endpoint, relation.ClearMissing(Encode(u), owned...))
}

// Get reads the login UI's URLs from all relations of the requirer's
// endpoint, merged as Merge does (a duplicate key is a *ConflictError,
// wrapped with the endpoint name). required names the keys the charm
// cannot work without (Key… constants); the first one that no relation
// carries is a *NotReadyError (returned with the URLs published so far),
// as is an endpoint without relations. A relation being broken in this
// hook no longer counts. An unknown required key is an error.
func Get(c *charm.Context, endpoint string, required ...string) (URLs, error) {
	if err := checkKeys(required); err != nil {
		return URLs{}, err
	}
	ids, err := c.RelationIDs(endpoint)
	if err != nil {
		return URLs{}, fmt.Errorf("reading %s: %w", endpoint, err)
	}
	if len(ids) == 0 {
		return URLs{}, relation.NotRelated(endpoint)
	}
	remotes := make([]Remote, 0, len(ids))
	for _, id := range ids {
		app, bag, err := relation.RemoteAppData(c, id)
		if err != nil {
			return URLs{}, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
		}
		remotes = append(remotes, Remote{RelationID: id, App: app, Data: bag})
	}
	merged, err := Merge(remotes)
	if err != nil {
		return URLs{}, fmt.Errorf("%s: %w", endpoint, err)
	}
	u := Decode(merged)
	for _, k := range required {
		if v, _ := u.Value(k); v == "" {
			return u, &NotReadyError{Endpoint: endpoint, RelationID: -1, Key: k}
		}
	}
	return u, nil
}
