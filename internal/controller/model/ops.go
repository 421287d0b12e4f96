package model

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/jujuc"
)

// AppSpec is an application to deploy. The caller (internal/controller/
// plan) has validated the charm, the name, the config and the resources
// as `juju deploy` does.
type AppSpec struct {
	Name string
	// Meta is the charm's definition: its name, and its peer endpoints,
	// which get their relations at deploy time as in Juju.
	Meta      *charmcraft.Charm
	CharmDir  string
	Config    Settings
	Trust     bool
	Resources map[string]string
}

// AddApplication adds an application with no units, and its peer
// relations (in endpoint-name order).
func (m *Model) AddApplication(spec AppSpec) (*Application, error) {
	fail := func(msg string) error { return fmt.Errorf("cannot add application %q: %s", spec.Name, msg) }
	switch {
	case !jujuc.IsValidApplication(spec.Name):
		return nil, fail("invalid name")
	case spec.Meta == nil:
		return nil, fail("charm is nil")
	case m.Applications[spec.Name] != nil:
		return nil, fail("application already exists")
	}
	app := &Application{
		Name:      spec.Name,
		Charm:     spec.Meta.Name,
		CharmDir:  spec.CharmDir,
		Config:    maps.Clone(spec.Config),
		Trust:     spec.Trust,
		Resources: maps.Clone(spec.Resources),
		Units:     map[int]*Unit{},
		Life:      Alive,
		Status:    Status{Name: "unknown"},
	}
	m.Applications[app.Name] = app
	for _, name := range slices.Sorted(maps.Keys(spec.Meta.Peers)) {
		ep := spec.Meta.Peers[name]
		m.newRelation([]Endpoint{{App: app.Name, Name: name, Role: "peer", Interface: ep.Interface, Scope: scopeOf(ep)}})
	}
	return app, nil
}

func scopeOf(ep charmcraft.Endpoint) string {
	if ep.Scope == "" {
		return "global"
	}
	return ep.Scope
}

// AddUnit adds the application's next unit (numbers are never reused),
// allocating, as Juju shows a unit whose agent has not started.
func (m *Model) AddUnit(appName string) (*Unit, error) {
	app, err := m.Application(appName)
	if err != nil {
		return nil, err
	}
	if app.Life != Alive {
		return nil, fmt.Errorf("cannot add unit to application %q: application is not alive", appName)
	}
	n := app.NextUnit
	app.NextUnit++
	u := &Unit{
		Name:           fmt.Sprintf("%s/%d", app.Name, n),
		Number:         n,
		Life:           Alive,
		WorkloadStatus: Status{Name: "waiting", Message: "installing agent"},
		AgentStatus:    Status{Name: "allocating"},
	}
	app.Units[n] = u
	return u, nil
}

// RemoveUnit makes a unit dying (`juju remove-unit`): its uniter then
// leaves its relations and runs stop and remove, and the controller calls
// DeleteUnit. Removing a dying unit again is no error.
func (m *Model) RemoveUnit(name string) error {
	_, u, err := m.Unit(name)
	if err != nil {
		return fmt.Errorf("unit %q does not exist", name)
	}
	if u.Life == Alive {
		u.Life = Dying
	}
	return nil
}

// DeleteUnit removes a unit whose agent is done (after its remove hook):
// it leaves the scopes it is still in, loses its leadership, its own
// secrets and its consumer records; a dying application left with no
// units and no relations goes too.
func (m *Model) DeleteUnit(name string) error {
	app, u, err := m.Unit(name)
	if err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(m.Relations)) {
		if r := m.Relations[id]; r.InScope(name) {
			m.leaveScope(r, name)
		}
	}
	for id, s := range m.Secrets {
		if s.Owner.Kind == OwnerUnit && s.Owner.Name == name {
			delete(m.Secrets, id)
			continue
		}
		delete(s.Consumers, name)
	}
	if app.Leader == name {
		app.Leader = ""
	}
	delete(app.Units, u.Number)
	m.maybeDeleteApplication(app)
	return nil
}

// RemoveApplication makes an application dying (`juju remove-application`):
// its units become dying and its relations are removed (dying until their
// units have left them).
func (m *Model) RemoveApplication(name string) error {
	app, err := m.Application(name)
	if err != nil {
		return err
	}
	app.Life = Dying
	for _, u := range app.Units {
		if u.Life == Alive {
			u.Life = Dying
		}
	}
	for _, id := range slices.Sorted(maps.Keys(m.Relations)) {
		if r := m.Relations[id]; r != nil && r.Life == Alive {
			if _, in := r.Endpoint(name); in {
				m.destroyRelation(r)
			}
		}
	}
	m.maybeDeleteApplication(app)
	return nil
}

// maybeDeleteApplication deletes a dying application that has no units
// and takes part in no relation, with the secrets it owns.
func (m *Model) maybeDeleteApplication(app *Application) {
	if app.Life == Alive || len(app.Units) > 0 {
		return
	}
	for _, r := range m.Relations {
		if _, in := r.Endpoint(app.Name); in {
			return
		}
	}
	for id, s := range m.Secrets {
		if s.Owner.Kind == OwnerApplication && s.Owner.Name == app.Name {
			delete(m.Secrets, id)
		}
		s.UserGrants = slices.DeleteFunc(s.UserGrants, func(a string) bool { return a == app.Name })
	}
	delete(m.Applications, app.Name)
}

// RelationKey is Juju's relation key: the endpoints ordered requirer,
// provider, peer, then by "app:endpoint", joined by a space.
func RelationKey(eps []Endpoint) string {
	order := map[string]int{"requirer": 0, "provider": 1, "peer": 2}
	sorted := slices.Clone(eps)
	slices.SortStableFunc(sorted, func(a, b Endpoint) int {
		if order[a.Role] != order[b.Role] {
			return order[a.Role] - order[b.Role]
		}
		return strings.Compare(a.String(), b.String())
	})
	names := make([]string, len(sorted))
	for i, e := range sorted {
		names[i] = e.String()
	}
	return strings.Join(names, " ")
}

// AddRelation relates two endpoints (`juju integrate`, after
// plan.Integrate resolved and checked them). Errors are the controller's
// (state.AddRelation): `cannot add relation "a:x b:y": relation a:x b:y`
// when it exists (the client prints it as "… (already exists)").
func (m *Model) AddRelation(a, b Endpoint) (*Relation, error) {
	eps := []Endpoint{a, b}
	key := RelationKey(eps)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("cannot add relation %q: %s", key, fmt.Sprintf(format, args...))
	}
	roles := map[string]bool{a.Role: true, b.Role: true}
	if a.App == b.App || a.Interface != b.Interface || !roles["provider"] || !roles["requirer"] {
		return nil, fail("endpoints do not relate")
	}
	for _, r := range m.Relations {
		if r.Key != key {
			continue
		}
		if r.Life != Alive {
			return nil, fail("relation %s is dying, but not yet removed", key)
		}
		return nil, fail("relation %s", key)
	}
	for _, ep := range eps {
		app, ok := m.Applications[ep.App]
		switch {
		case !ok:
			return nil, fail("application %q does not exist", ep.App)
		case app.Life != Alive:
			return nil, fail("application %q is not alive", ep.App)
		}
	}
	for i := range eps {
		if eps[i].Scope == "" {
			eps[i].Scope = "global"
		}
	}
	return m.newRelation(eps), nil
}

func (m *Model) newRelation(eps []Endpoint) *Relation {
	r := &Relation{
		ID:              m.NextRelationID,
		Key:             RelationKey(eps),
		Endpoints:       slices.Clone(eps),
		Life:            Alive,
		AppData:         map[string]map[string]string{},
		AppDataVersion:  map[string]int64{},
		UnitData:        map[string]map[string]string{},
		UnitDataVersion: map[string]int64{},
		Members:         map[string][]string{},
	}
	for _, e := range eps {
		r.AppData[e.App] = map[string]string{}
		// Juju's settings documents have a revision from the start: the
		// units see one application-level relation-changed.
		r.AppDataVersion[e.App] = 1
	}
	m.NextRelationID++
	m.Relations[r.ID] = r
	return r
}

// RemoveRelation removes a relation (`juju remove-relation`): it is dying
// until the last unit in its scope has left, and goes at once when there
// is none. Peer relations cannot be removed.
func (m *Model) RemoveRelation(id int) error {
	r, err := m.Relation(id)
	if err != nil {
		return err
	}
	if r.Peer() {
		return fmt.Errorf("cannot destroy relation %q: is a peer relation", r.Key)
	}
	if r.Life == Alive {
		m.destroyRelation(r)
	}
	return nil
}

func (m *Model) destroyRelation(r *Relation) {
	r.Life = Dying
	if len(r.Members) == 0 {
		m.deleteRelation(r)
	}
}

// deleteRelation removes a relation and the secret grants scoped to it.
func (m *Model) deleteRelation(r *Relation) {
	delete(m.Relations, r.ID)
	for _, s := range m.Secrets {
		delete(s.Grants, r.ID)
		if len(s.Grants) == 0 {
			s.Grants = nil
		}
	}
	for _, e := range r.Endpoints {
		if app := m.Applications[e.App]; app != nil {
			m.maybeDeleteApplication(app)
		}
	}
}

// ErrCannotEnterScope matches EnterScope's refusals.
var ErrCannotEnterScope = errors.New("cannot enter scope")

// EnterScope puts a unit in a relation's scope, as Juju's uniter does as
// soon as it sees an alive relation (before relation-created): its
// databag is created with the addresses Juju publishes (ingress-address,
// private-address, egress-subnets) and the remote units see it join.
// Entering again is no error. It reports whether the unit entered.
func (m *Model) EnterScope(unit string, relID int) (bool, error) {
	app, u, err := m.Unit(unit)
	if err != nil {
		return false, err
	}
	r, err := m.Relation(relID)
	if err != nil {
		return false, err
	}
	if _, in := r.Endpoint(app.Name); !in {
		return false, fmt.Errorf("unit %q in relation %q: application %q is not in the relation", unit, r.Key, app.Name)
	}
	if r.InScope(unit) {
		return false, nil
	}
	prefix := fmt.Sprintf("unit %q in relation %q: ", unit, r.Key)
	switch {
	case r.Life != Alive:
		return false, fmt.Errorf("%srelation is no longer alive: %w", prefix, ErrCannotEnterScope)
	case u.Life != Alive:
		return false, fmt.Errorf("%sunit is no longer alive: %w", prefix, ErrCannotEnterScope)
	}
	data := map[string]string{}
	if u.Address != "" {
		data["ingress-address"] = u.Address
		data["private-address"] = u.Address
		data["egress-subnets"] = u.Address + "/32"
	}
	r.UnitData[unit] = data
	r.UnitDataVersion[unit]++
	members := append(r.Members[app.Name], unit)
	sortUnits(members)
	r.Members[app.Name] = members
	return true, nil
}

// SyncScopes enters the scope of every alive relation of the unit's
// application that the unit is not in yet, as Juju's uniter does before
// it picks its next hook; it returns the relation IDs entered. A unit
// that is not alive enters nothing.
func (m *Model) SyncScopes(unit string) ([]int, error) {
	app, u, err := m.Unit(unit)
	if err != nil {
		return nil, err
	}
	if u.Life != Alive {
		return nil, nil
	}
	var entered []int
	for _, id := range slices.Sorted(maps.Keys(m.Relations)) {
		r := m.Relations[id]
		if _, in := r.Endpoint(app.Name); !in || r.Life != Alive {
			continue
		}
		ok, err := m.EnterScope(unit, id)
		if err != nil {
			return entered, err
		}
		if ok {
			entered = append(entered, id)
		}
	}
	return entered, nil
}

// LeaveScope takes a unit out of a relation's scope (after its
// relation-broken, or when it is dying): its databag goes, and a dying
// relation whose last unit left is removed. Leaving a scope the unit is
// not in (or a relation that is gone) is no error.
func (m *Model) LeaveScope(unit string, relID int) error {
	if _, _, err := m.Unit(unit); err != nil {
		return err
	}
	if r := m.Relations[relID]; r != nil && r.InScope(unit) {
		m.leaveScope(r, unit)
	}
	return nil
}

func (m *Model) leaveScope(r *Relation, unit string) {
	app := unitApp(unit)
	members := slices.DeleteFunc(r.Members[app], func(u string) bool { return u == unit })
	if len(members) == 0 {
		delete(r.Members, app)
	} else {
		r.Members[app] = members
	}
	delete(r.UnitData, unit)
	delete(r.UnitDataVersion, unit)
	if r.Life != Alive && len(r.Members) == 0 {
		m.deleteRelation(r)
	}
}

// SetConfig sets option values (`juju config app k=v`), already typed and
// validated against the charm's options; a nil value resets the option.
// It reports whether anything changed.
func (m *Model) SetConfig(appName string, values Settings) (bool, error) {
	app, err := m.Application(appName)
	if err != nil {
		return false, err
	}
	before := maps.Clone(app.Config)
	for k, v := range values {
		if v == nil {
			delete(app.Config, k)
			continue
		}
		if app.Config == nil {
			app.Config = Settings{}
		}
		app.Config[k] = v
	}
	if len(app.Config) == 0 {
		app.Config = nil
	}
	return !maps.EqualFunc(before, app.Config, func(a, b any) bool { return reflect.DeepEqual(a, b) }), nil
}

// ResetConfig resets options to their defaults (`juju config app
// --reset k`). It reports whether anything changed.
func (m *Model) ResetConfig(appName string, keys []string) (bool, error) {
	values := Settings{}
	for _, k := range keys {
		values[k] = nil
	}
	return m.SetConfig(appName, values)
}

// ElectLeader keeps the application's leader while that unit exists (a
// dying unit leads until it is gone, as its agent holds the lease) and
// otherwise elects the lowest-numbered alive unit. It returns the leader
// ("" when no unit can lead) and whether it changed.
func (m *Model) ElectLeader(appName string) (string, bool, error) {
	app, err := m.Application(appName)
	if err != nil {
		return "", false, err
	}
	if _, n, ok := splitUnit(app.Leader); ok && app.Units[n] != nil {
		return app.Leader, false, nil
	}
	old := app.Leader
	app.Leader = ""
	for _, n := range slices.Sorted(maps.Keys(app.Units)) {
		if app.Units[n].Life == Alive {
			app.Leader = app.Units[n].Name
			break
		}
	}
	return app.Leader, app.Leader != old, nil
}

// AddSecret adds a model-owned (user) secret, `juju add-secret <name>
// key=value…`: its name is its label, unique in the model. It returns the
// secret, whose URI ("secret:<id>") is what the command prints.
func (m *Model) AddSecret(name, description string, content map[string]string) (*Secret, error) {
	if len(content) == 0 {
		return nil, errors.New("empty secret value not valid")
	}
	for _, s := range m.Secrets {
		if s.Owner.Kind == OwnerModel && s.Label == name {
			return nil, fmt.Errorf("user secret label %q already exists", name)
		}
	}
	uri := jujuc.NewSecretURI()
	now := secretTime(time.Now())
	s := &Secret{
		ID: uri.ID, URI: uri.String(),
		Owner:          Owner{Kind: OwnerModel, Name: m.Name},
		Label:          name,
		Description:    description,
		Created:        now,
		Updated:        now,
		LatestRevision: 1,
		Revisions:      []Revision{{Rev: 1, Content: maps.Clone(content)}},
	}
	m.Secrets[s.ID] = s
	return s, nil
}

// GrantSecret grants a model-owned secret, named by URI or name, to
// applications (`juju grant-secret <secret> app[,app…]`).
func (m *Model) GrantSecret(secret string, apps []string) error {
	s, err := m.userSecret(secret)
	if err != nil {
		return err
	}
	for _, a := range apps {
		if _, err := m.Application(a); err != nil {
			return err
		}
	}
	for _, a := range apps {
		if !slices.Contains(s.UserGrants, a) {
			s.UserGrants = append(s.UserGrants, a)
		}
	}
	slices.Sort(s.UserGrants)
	return nil
}

// RevokeSecret takes a model-owned secret away from applications (`juju
// revoke-secret`).
func (m *Model) RevokeSecret(secret string, apps []string) error {
	s, err := m.userSecret(secret)
	if err != nil {
		return err
	}
	s.UserGrants = slices.DeleteFunc(s.UserGrants, func(a string) bool { return slices.Contains(apps, a) })
	if len(s.UserGrants) == 0 {
		s.UserGrants = nil
	}
	return nil
}

// userSecret finds a model-owned secret by URI, bare ID or name.
func (m *Model) userSecret(ref string) (*Secret, error) {
	if s, ok := m.Secrets[bareID(ref)]; ok && s.Owner.Kind == OwnerModel {
		return s, nil
	}
	for _, s := range m.Secrets {
		if s.Owner.Kind == OwnerModel && s.Label == ref {
			return s, nil
		}
	}
	return nil, fmt.Errorf("secret %q not found", ref)
}
