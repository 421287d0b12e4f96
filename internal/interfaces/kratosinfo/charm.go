package kratosinfo

import (
	"fmt"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/interfaces/relation"
)

// NotReadyError is a requirer's view of a provider that has not published
// yet: the endpoint has no relation (NoRelation) or the provider has not
// written the required Key. Charms report it as a status naming Endpoint.
type NotReadyError = relation.NotReadyError

// Publish writes i into the application databag of every relation of the
// provider's endpoint. Only the leader may write application data: on
// other units Publish does nothing and returns nil, as the library does.
//
// Unlike the library, which only adds keys (dict.update), Publish deletes
// feature_flags when no flag is left, and any optional string that is now
// empty, so that requirers never act on a stale value.
func Publish(c *charm.Context, endpoint string, i Info) error {
	bag, err := Encode(i)
	if err != nil {
		return fmt.Errorf("publishing %s: %w", endpoint, err)
	}
	owned := []string{KeyFeatureFlags}
	for _, f := range i.stringKeys() {
		owned = append(owned, f.key)
	}
	return relation.PublishApp(c, endpoint, relation.ClearMissing(bag, owned...))
}

// Get reads Kratos' info from the first relation of the requirer's
// endpoint (the one with the lowest ID; the endpoint is meant to have
// limit 1). A missing relation or required key is a *NotReadyError; a
// malformed value is a wrapped *databag.KeyError. A relation being broken
// in this hook no longer counts.
func Get(c *charm.Context, endpoint string) (Info, error) {
	return relation.First(c, endpoint, Decode)
}
