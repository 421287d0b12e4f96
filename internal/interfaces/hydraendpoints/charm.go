package hydraendpoints

import (
	"fmt"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/interfaces/relation"
)

// NotReadyError is a requirer's view of a provider that has not published
// yet: the endpoint has no relation (NoRelation) or the provider has not
// written Key. Charms report it as a status naming Endpoint.
type NotReadyError = relation.NotReadyError

// Publish writes e into the application databag of every relation of the
// provider's endpoint. Only the leader may write application data: on
// other units Publish does nothing and returns nil, as the library does.
// Call it whenever the URLs may have changed and on relation-created.
func Publish(c *charm.Context, endpoint string, e Endpoints) error {
	bag, err := Encode(e)
	if err != nil {
		return fmt.Errorf("publishing %s: %w", endpoint, err)
	}
	return relation.PublishApp(c, endpoint, bag)
}

// Get reads Hydra's endpoints from the first relation of the requirer's
// endpoint (the one with the lowest ID; the endpoint is meant to have
// limit 1). A missing relation or key is a *NotReadyError; a relation
// being broken in this hook no longer counts.
func Get(c *charm.Context, endpoint string) (Endpoints, error) {
	return relation.First(c, endpoint, Decode)
}
