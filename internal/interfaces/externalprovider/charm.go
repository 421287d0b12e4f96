package externalprovider

import (
	"fmt"
	"strings"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/interfaces/relation"
)

// Remote is what one relation's remote application published: its
// providers (on the requirer side) or its registrations (on the provider
// side). Err is set instead when the data does not decode; it names the
// key and is the remote charm's fault, to be reported, not retried.
type Remote[T any] struct {
	RelationID int
	App        string
	Items      []T
	Err        error
}

// PublishProviders writes providers into the application databag of every
// relation of the provider's endpoint; an empty list clears the key, so
// that an invalid or disabled provider never reaches Kratos. Only the
// leader may write application data: on other units PublishProviders does
// nothing and returns nil.
func PublishProviders(c *charm.Context, endpoint string, providers []Provider) error {
	value := ""
	if len(providers) > 0 {
		var err error
		if value, err = EncodeProviders(providers); err != nil {
			return fmt.Errorf("publishing %s: %w", endpoint, err)
		}
	}
	return relation.PublishApp(c, endpoint, map[string]string{DataKey: value})
}

// PublishRegistrations answers on one relation of the requirer's endpoint
// with the redirect URI of each provider it configured (leader only, as
// PublishProviders).
func PublishRegistrations(c *charm.Context, endpoint string, relationID int, regs []Registration) error {
	value := ""
	if len(regs) > 0 {
		value = EncodeRegistrations(regs)
	}
	return relation.SetApp(c, endpoint, relationID, map[string]string{DataKey: value})
}

// Providers reads the providers every integrator on the requirer's
// endpoint published, in relation order. A relation whose integrator has
// published nothing yet is left out; one whose data is malformed carries
// Err. A relation being broken in this hook no longer counts.
func Providers(c *charm.Context, endpoint string) ([]Remote[Provider], error) {
	return readAll(c, endpoint, DecodeProviders)
}

// Registrations reads the redirect URIs Kratos registered on every
// relation of the provider's endpoint, like Providers.
func Registrations(c *charm.Context, endpoint string) ([]Remote[Registration], error) {
	return readAll(c, endpoint, DecodeRegistrations)
}

func readAll[T any](c *charm.Context, endpoint string, decode func(string) ([]T, error)) ([]Remote[T], error) {
	ids, err := c.RelationIDs(endpoint)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", endpoint, err)
	}
	var out []Remote[T]
	for _, id := range ids {
		app, bag, err := relation.RemoteAppData(c, id)
		if err != nil {
			return nil, fmt.Errorf("reading %s relation %d: %w", endpoint, id, err)
		}
		raw := bag[DataKey]
		if strings.TrimSpace(raw) == "" { // also when Juju names no remote app
			continue
		}
		r := Remote[T]{RelationID: id, App: app}
		r.Items, r.Err = decode(raw)
		out = append(out, r)
	}
	return out, nil
}
