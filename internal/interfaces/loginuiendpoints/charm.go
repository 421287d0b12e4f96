package loginuiendpoints

import (
	"fmt"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// NotReadyError is a requirer's view of a provider that has not published
// yet: the endpoint has no relation (Key is empty) or no relation carries
// the required Key. Charms report it as a status naming Endpoint.
type NotReadyError struct {
	Endpoint string
	Key      string
}

func (e *NotReadyError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("no %s relation", e.Endpoint)
	}
	return fmt.Sprintf("%s relation: %s not published yet", e.Endpoint, e.Key)
}

// NoRelation reports whether the endpoint has no relation at all.
func (e *NotReadyError) NoRelation() bool { return e.Key == "" }

// Unwrap gives the missing key as a *databag.KeyError wrapping
// databag.ErrMissing.
func (e *NotReadyError) Unwrap() error {
	if e.Key == "" {
		return nil
	}
	return &databag.KeyError{Key: e.Key, Err: databag.ErrMissing}
}

// Publish writes u into the application databag of every relation of the
// provider's endpoint. Only the leader may write application data: on
// other units Publish does nothing and returns nil, as the library does.
//
// Unlike the library, which only adds keys (dict.update), Publish also
// deletes the keys of URLs that are now empty and the legacy index_url and
// default_url, so that requirers never see a page that is gone.
func Publish(c *charm.Context, endpoint string, u URLs) error {
	ids, err := c.RelationIDs(endpoint)
	if err != nil {
		return fmt.Errorf("publishing %s: %w", endpoint, err)
	}
	if len(ids) == 0 {
		return nil
	}
	leader, err := c.Tools.IsLeader(c.Context())
	if err != nil {
		return fmt.Errorf("publishing %s: %w", endpoint, err)
	}
	if !leader {
		return nil
	}
	// relation-set deletes a key given an empty value.
	bag := map[string]string{KeyIndexLegacy: "", KeyDefaultLegacy: ""}
	for _, k := range keys {
		bag[k] = ""
	}
	for k, v := range Encode(u) {
		bag[k] = v
	}
	for _, id := range ids {
		if err := c.Tools.RelationSet(c.Context(), id, true, bag); err != nil {
			return fmt.Errorf("publishing %s on relation %d: %w", endpoint, id, err)
		}
	}
	return nil
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
		return URLs{}, &NotReadyError{Endpoint: endpoint}
	}
	remotes := make([]Remote, 0, len(ids))
	for _, id := range ids {
		app, err := c.Tools.RelationRemoteApp(c.Context(), id)
		if err != nil {
			return URLs{}, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
		}
		bag, err := c.Tools.RelationGet(c.Context(), id, app, true)
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
			return u, &NotReadyError{Endpoint: endpoint, Key: k}
		}
	}
	return u, nil
}
