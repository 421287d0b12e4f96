// Package hydraendpoints speaks the hydra_endpoints relation interface,
// version 0, between Hydra (provider) and the charms that call Hydra's APIs:
// Kratos and the login UI (requirers).
//
// Wire format, as canonical/charm-relation-interfaces:
// interfaces/hydra_endpoints/v0/schemas/provider.json specifies it and
// canonical/hydra-operator: lib/charms/hydra/v0/hydra_endpoints.py
// (LIBPATCH 5) writes it:
//
//   - the provider's leader writes two plain strings into its application
//     databag, on every relation of the endpoint: admin_endpoint (Hydra's
//     admin API, e.g. http://hydra.model.svc.cluster.local:4445) and
//     public_endpoint (the public API, on :4444);
//   - the requirer writes nothing; unit databags are not used.
//
// The library's requirer reads the first relation only (requirers declare
// limit: 1), raises when there is no relation or no admin_endpoint, and
// fails with a bare Python KeyError when public_endpoint is absent. Here
// both keys are required, and a missing relation or key is a
// *NotReadyError the charm can turn into a status naming the relation.
package hydraendpoints

import (
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// Interface and DefaultEndpoint name the interface in metadata and the
// endpoint Hydra, Kratos and the login UI all use for it.
const (
	Interface       = "hydra_endpoints"
	DefaultEndpoint = "hydra-endpoint-info"
)

// The provider's application databag keys.
const (
	KeyAdmin  = "admin_endpoint"
	KeyPublic = "public_endpoint"
)

// Endpoints are Hydra's API base URLs as the provider publishes them.
type Endpoints struct {
	Admin  string // admin_endpoint
	Public string // public_endpoint
}

// Validate requires both URLs: the library would write an empty one, and
// Juju would delete the key, leaving requirers without it.
func (e Endpoints) Validate() error {
	if e.Admin == "" {
		return &databag.KeyError{Key: KeyAdmin, Err: databag.ErrMissing}
	}
	if e.Public == "" {
		return &databag.KeyError{Key: KeyPublic, Err: databag.ErrMissing}
	}
	return nil
}

// Encode returns the provider's application databag for e: the exact
// pairs the reference library writes.
func Encode(e Endpoints) (map[string]string, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return map[string]string{KeyAdmin: e.Admin, KeyPublic: e.Public}, nil
}

// Decode reads the provider's application databag. Values are taken as
// they are: neither the schema nor the library checks them as URLs.
// Unknown keys are ignored. A missing key is a *databag.KeyError wrapping
// databag.ErrMissing; admin_endpoint is checked first, as the library does.
func Decode(bag map[string]string) (Endpoints, error) {
	admin, err := databag.Required(bag, KeyAdmin)
	if err != nil {
		return Endpoints{}, err
	}
	public, err := databag.Required(bag, KeyPublic)
	if err != nil {
		return Endpoints{}, err
	}
	return Endpoints{Admin: admin, Public: public}, nil
}
