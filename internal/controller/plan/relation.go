package plan

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/juju/charm/v12"
	"github.com/juju/names/v5"
)

// Endpoint is one application's side of a relation, as Juju's state
// package records it (state/endpoint.go).
type Endpoint struct {
	Application string
	charm.Relation
}

// String is "application:endpoint".
func (ep Endpoint) String() string { return ep.Application + ":" + ep.Name }

// canRelateTo is state.Endpoint.CanRelateTo: different applications, same
// interface, provider against requirer.
func (ep Endpoint) canRelateTo(other Endpoint) bool {
	return ep.Application != other.Application &&
		ep.Interface == other.Interface &&
		ep.Role != charm.RolePeer &&
		counterpartRole(ep.Role) == other.Role
}

func counterpartRole(r charm.RelationRole) charm.RelationRole {
	switch r {
	case charm.RoleProvider:
		return charm.RoleRequirer
	case charm.RoleRequirer:
		return charm.RoleProvider
	}
	return r
}

// Relation is an established (or about to be) relation: two endpoints, or
// one for a peer relation.
type Relation struct {
	Endpoints []Endpoint
	// Suspended relations do not count against an endpoint's limit.
	Suspended bool
}

// Key is Juju's relation key (state/relation.go relationKey): the
// endpoints ordered requirer, provider, peer, then by name, joined by a
// space — "kratos:kratos-external-idp integrator:kratos-external-idp".
func (r Relation) Key() string { return RelationKey(r.Endpoints...) }

// RelationKey is Relation.Key for loose endpoints.
func RelationKey(eps ...Endpoint) string {
	sorted := slices.Clone(eps)
	order := map[charm.RelationRole]int{charm.RoleRequirer: 0, charm.RoleProvider: 1, charm.RolePeer: 2}
	slices.SortStableFunc(sorted, func(a, b Endpoint) int {
		if a.Role != b.Role {
			return order[a.Role] - order[b.Role]
		}
		return strings.Compare(a.String(), b.String())
	})
	keys := make([]string, len(sorted))
	for i, ep := range sorted {
		keys[i] = ep.String()
	}
	return strings.Join(keys, " ")
}

// juju-info is the endpoint Juju gives every application implicitly
// (state/application.go Endpoints).
var jujuInfo = charm.Relation{
	Name:      "juju-info",
	Role:      charm.RoleProvider,
	Interface: "juju-info",
	Scope:     charm.ScopeGlobal,
}

// endpoints are an application's endpoints as state.Application.Endpoints
// lists them: peers, provides, requires and the implicit juju-info.
func endpoints(app string, ch *Charm) []Endpoint {
	meta := ch.Meta()
	var eps []Endpoint
	for _, group := range []map[string]charm.Relation{meta.Peers, meta.Provides, meta.Requires, {jujuInfo.Name: jujuInfo}} {
		for _, rel := range group {
			eps = append(eps, Endpoint{Application: app, Relation: rel})
		}
	}
	return eps
}

// InferRelation resolves the two arguments of `juju integrate a[:x] b[:y]`
// to endpoints, following state.InferEndpoints (state/state.go) for two
// names: every non-peer endpoint pair of the two applications (or the
// named endpoints) with the same interface and opposite roles is a
// candidate, container-scoped pairs need a subordinate; one candidate
// wins, several are narrowed by dropping pairs that use the implicit
// juju-info endpoint, and otherwise the error lists them all:
//
//	ambiguous relation: "a b" could refer to "a:x b:y"; "a:z b:w"
//
// Other errors, as the juju client prints them: `no relations found`,
// `application "a" has no "x" relation`, `application "a" not found (not
// found)`, `invalid endpoint "a:"`. The endpoints come back in argument
// order.
func InferRelation(apps map[string]*Charm, a, b string) (Endpoint, Endpoint, error) {
	eps1, err := namedEndpoints(apps, a)
	if err != nil {
		return Endpoint{}, Endpoint{}, err
	}
	eps2, err := namedEndpoints(apps, b)
	if err != nil {
		return Endpoint{}, Endpoint{}, err
	}
	var candidates [][2]Endpoint
	for _, ep1 := range eps1 {
		for _, ep2 := range eps2 {
			if ep1.canRelateTo(ep2) && containerScopeOK(apps, ep1, ep2) {
				candidates = append(candidates, [2]Endpoint{ep1, ep2})
			}
		}
	}
	switch len(candidates) {
	case 0:
		return Endpoint{}, Endpoint{}, errors.New("no relations found")
	case 1:
		return candidates[0][0], candidates[0][1], nil
	}
	var explicit [][2]Endpoint
	for _, c := range candidates {
		if !c[0].IsImplicit() && !c[1].IsImplicit() {
			explicit = append(explicit, c)
		}
	}
	if len(explicit) == 1 {
		return explicit[0][0], explicit[0][1], nil
	}
	keys := make([]string, len(candidates))
	for i, c := range candidates {
		keys[i] = fmt.Sprintf("%q", RelationKey(c[0], c[1]))
	}
	slices.Sort(keys)
	return Endpoint{}, Endpoint{}, fmt.Errorf("ambiguous relation: %q could refer to %s",
		a+" "+b, strings.Join(keys, "; "))
}

// namedEndpoints is state.State.endpoints with the notPeer filter.
func namedEndpoints(apps map[string]*Charm, name string) ([]Endpoint, error) {
	appName, relName, err := splitEndpointName(name)
	if err != nil {
		return nil, err
	}
	if !names.IsValidApplication(appName) {
		return nil, fmt.Errorf("%q is not a valid application name", appName)
	}
	ch, ok := apps[appName]
	if !ok || ch == nil {
		// A NotFound error: the client shows its code.
		return nil, fmt.Errorf("application %q not found (not found)", appName)
	}
	all := endpoints(appName, ch)
	if relName != "" {
		i := slices.IndexFunc(all, func(ep Endpoint) bool { return ep.Name == relName })
		if i < 0 {
			return nil, fmt.Errorf("application %q has no %q relation", appName, relName)
		}
		all = all[i : i+1]
	}
	var eps []Endpoint
	for _, ep := range all {
		if ep.Role != charm.RolePeer {
			eps = append(eps, ep)
		}
	}
	return eps, nil
}

func splitEndpointName(name string) (string, string, error) {
	i := strings.Index(name, ":")
	switch {
	case i == -1:
		return name, "", nil
	case i != 0 && i != len(name)-1:
		return name[:i], name[i+1:], nil
	}
	return "", "", fmt.Errorf("invalid endpoint %q", name)
}

// containerScopeOK is state's containerScopeOk: a container-scoped
// endpoint on either side needs at least one subordinate application.
func containerScopeOK(apps map[string]*Charm, ep1, ep2 Endpoint) bool {
	if ep1.Scope != charm.ScopeContainer && ep2.Scope != charm.ScopeContainer {
		return true
	}
	return apps[ep1.Application].Meta().Subordinate || apps[ep2.Application].Meta().Subordinate
}

// localEndpoint is cmd/juju/application/integrate.go's localEndpointRegEx.
var localEndpoint = regexp.MustCompile("^" + names.RelationSnippet + "$")

// Integrate validates `juju integrate <a>[:<x>] <b>[:<y>]` against the
// model's applications (name → charm) and its existing relations, and
// returns the relation to add. It runs, in Juju's order:
//
//  1. the client's argument checks (cmd/juju/application/integrate.go
//     Init): `an integration must involve two applications`,
//     `endpoint "a:" not valid`, `application name "A" not valid`;
//     cross-model offer URLs are refused (the local controller has one
//     model);
//  2. InferRelation (state.InferEndpoints);
//  3. state.AddRelation's checks (state/state.go): the relation must not
//     exist yet and no endpoint may exceed its `limit` (suspended
//     relations do not count).
//
// Errors read as the juju client prints them, e.g. for a duplicate:
//
//	cannot add relation "a:x b:y"
//	relation a:x b:y (already exists):
//
//	Use 'juju status --relations' to view the current relations.
//
// (the controller says `cannot add relation "a:x b:y": relation a:x b:y`
// with code "already exists", which the client splits over two lines).
// A container-scoped side makes both endpoints container-scoped, as in
// state.AddRelation.
func Integrate(apps map[string]*Charm, existing []Relation, args []string) (Relation, error) {
	if len(args) != 2 {
		return Relation{}, errors.New("an integration must involve two applications")
	}
	for _, arg := range args {
		if url, err := charm.ParseOfferURL(arg); err == nil {
			return Relation{}, fmt.Errorf("cannot integrate with offer %q: the local controller has no cross-model relations", url.String())
		}
		if err := validateLocalEndpoint(arg); err != nil {
			return Relation{}, err
		}
	}
	ep1, ep2, err := InferRelation(apps, args[0], args[1])
	if err != nil {
		return Relation{}, err
	}
	switch {
	case ep1.Scope == charm.ScopeContainer:
		ep2.Scope = charm.ScopeContainer
	case ep2.Scope == charm.ScopeContainer:
		ep1.Scope = charm.ScopeContainer
	}
	rel := Relation{Endpoints: []Endpoint{ep1, ep2}}
	key := rel.Key()
	for _, r := range existing {
		if r.Key() == key {
			return Relation{}, fmt.Errorf("cannot add relation %q\nrelation %s (already exists): \n\nUse 'juju status --relations' to view the current relations.", key, key)
		}
	}
	for _, ep := range rel.Endpoints {
		if ep.Limit == 0 {
			continue
		}
		if established(existing, ep) >= ep.Limit {
			return Relation{}, fmt.Errorf("cannot add relation %q: establishing a new relation for %s would exceed its maximum relation limit of %d (quota limit exceeded)", key, ep, ep.Limit)
		}
	}
	return rel, nil
}

// established is state's establishedRelationCount: live relations in
// which the application takes part through this endpoint.
func established(existing []Relation, ep Endpoint) int {
	n := 0
	for _, r := range existing {
		if r.Suspended {
			continue
		}
		if slices.ContainsFunc(r.Endpoints, func(e Endpoint) bool {
			return e.Application == ep.Application && e.Name == ep.Name && e.Interface == ep.Interface
		}) {
			n++
		}
	}
	return n
}

// validateLocalEndpoint is integrate.go's validateLocalEndpoint.
func validateLocalEndpoint(endpoint string) error {
	app := endpoint
	if i := strings.Index(endpoint, ":"); i != -1 {
		if i == 0 || i == len(endpoint)-1 {
			return fmt.Errorf("endpoint %q not valid", endpoint)
		}
		parts := strings.Split(endpoint, ":")
		if len(parts) != 2 || !localEndpoint.MatchString(parts[1]) {
			return fmt.Errorf("endpoint %q not valid", endpoint)
		}
		app = parts[0]
	}
	if !names.IsValidApplication(app) {
		return fmt.Errorf("application name %q not valid", app)
	}
	return nil
}
