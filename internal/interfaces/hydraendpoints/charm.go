package hydraendpoints

import (
	"errors"
	"fmt"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// NotReadyError is a requirer's view of a provider that has not published
// yet: the endpoint has no relation (Key is empty) or the provider has not
// written Key. Charms report it as a status naming Endpoint.
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

// NoRelation reports whether the endpoint has no relation at all (rather
// than a relation whose data has not arrived yet).
func (e *NotReadyError) NoRelation() bool { return e.Key == "" }

// Unwrap gives the missing key as a *databag.KeyError wrapping
// databag.ErrMissing, so that errors.As finds the key.
func (e *NotReadyError) Unwrap() error {
	if e.Key == "" {
		return nil
	}
	return &databag.KeyError{Key: e.Key, Err: databag.ErrMissing}
}

// Publish writes e into the application databag of every relation of the
// provider's endpoint. Only the leader may write application data: on
// other units Publish does nothing and returns nil, as the library does.
// Call it whenever the URLs may have changed and on relation-created.
func Publish(c *charm.Context, endpoint string, e Endpoints) error {
	bag, err := Encode(e)
	if err != nil {
		return fmt.Errorf("publishing %s: %w", endpoint, err)
	}
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
	for _, id := range ids {
		if err := c.Tools.RelationSet(c.Context(), id, true, bag); err != nil {
			return fmt.Errorf("publishing %s on relation %d: %w", endpoint, id, err)
		}
	}
	return nil
}

// Get reads Hydra's endpoints from the first relation of the requirer's
// endpoint (the one with the lowest ID; the endpoint is meant to have
// limit 1). A missing relation or key is a *NotReadyError; a relation
// being broken in this hook no longer counts.
func Get(c *charm.Context, endpoint string) (Endpoints, error) {
	ids, err := c.RelationIDs(endpoint)
	if err != nil {
		return Endpoints{}, fmt.Errorf("reading %s: %w", endpoint, err)
	}
	if len(ids) == 0 {
		return Endpoints{}, &NotReadyError{Endpoint: endpoint}
	}
	id := ids[0]
	app, err := c.Tools.RelationRemoteApp(c.Context(), id)
	if err != nil {
		return Endpoints{}, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
	}
	bag, err := c.Tools.RelationGet(c.Context(), id, app, true)
	if err != nil {
		return Endpoints{}, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
	}
	e, err := Decode(bag)
	if err != nil {
		var ke *databag.KeyError
		if errors.As(err, &ke) && errors.Is(ke.Err, databag.ErrMissing) {
			return Endpoints{}, &NotReadyError{Endpoint: endpoint, Key: ke.Key}
		}
		return Endpoints{}, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
	}
	return e, nil
}
