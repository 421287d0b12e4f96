package kratosinfo

import (
	"errors"
	"fmt"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// NotReadyError is a requirer's view of a provider that has not published
// yet: the endpoint has no relation (Key is empty) or the provider has not
// written the required Key. Charms report it as a status naming Endpoint.
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

// Publish writes i into the application databag of every relation of the
// provider's endpoint. Only the leader may write application data: on
// other units Publish does nothing and returns nil, as the library does.
//
// Unlike the library, which only adds keys (dict.update), Publish deletes
// feature_flags when no flag is left, and any optional string that is now
// empty, so that requirers never act on a stale value.
func Publish(c *charm.Context, endpoint string, i Info) error {
	enc, err := Encode(i)
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
	// relation-set deletes a key given an empty value.
	bag := map[string]string{KeyFeatureFlags: ""}
	for _, f := range i.stringKeys() {
		bag[f.key] = ""
	}
	for k, v := range enc {
		bag[k] = v
	}
	for _, id := range ids {
		if err := c.Tools.RelationSet(c.Context(), id, true, bag); err != nil {
			return fmt.Errorf("publishing %s on relation %d: %w", endpoint, id, err)
		}
	}
	return nil
}

// Get reads Kratos' info from the first relation of the requirer's
// endpoint (the one with the lowest ID; the endpoint is meant to have
// limit 1). A missing relation or required key is a *NotReadyError; a
// malformed value is a wrapped *databag.KeyError. A relation being broken
// in this hook no longer counts.
func Get(c *charm.Context, endpoint string) (Info, error) {
	ids, err := c.RelationIDs(endpoint)
	if err != nil {
		return Info{}, fmt.Errorf("reading %s: %w", endpoint, err)
	}
	if len(ids) == 0 {
		return Info{}, &NotReadyError{Endpoint: endpoint}
	}
	id := ids[0]
	app, err := c.Tools.RelationRemoteApp(c.Context(), id)
	if err != nil {
		return Info{}, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
	}
	bag, err := c.Tools.RelationGet(c.Context(), id, app, true)
	if err != nil {
		return Info{}, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
	}
	info, err := Decode(bag)
	if err != nil {
		var ke *databag.KeyError
		if errors.As(err, &ke) && errors.Is(ke.Err, databag.ErrMissing) {
			return Info{}, &NotReadyError{Endpoint: endpoint, Key: ke.Key}
		}
		return Info{}, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
	}
	return info, nil
}
