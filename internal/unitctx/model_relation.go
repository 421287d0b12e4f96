package unitctx

import (
	"fmt"
	"maps"
	"sort"
	"strconv"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/jujuc"
)

// relation is one State relation seen through jujuc.Relation. Writes to
// the local databags go to copies that commit swaps in.
type relation struct {
	h       *hookContext
	rel     *Relation
	unitBag *databag
	appBag  *databag
}

// databag is a writable copy of a local databag.
type databag struct {
	data  map[string]string
	dirty bool
}

func (d *databag) Map() map[string]string { return maps.Clone(d.data) }

func (d *databag) Set(k, v string) {
	d.data[k] = v
	d.dirty = true
}

func (d *databag) Delete(k string) {
	delete(d.data, k)
	d.dirty = true
}

func newDatabag(in map[string]string) *databag {
	d := &databag{data: maps.Clone(in)}
	if d.data == nil {
		d.data = map[string]string{}
	}
	return d
}

func (r *relation) ID() int                       { return r.rel.ID }
func (r *relation) Endpoint() string              { return r.rel.Endpoint }
func (r *relation) RemoteApplicationName() string { return r.rel.RemoteApp }

func (r *relation) peer() bool { return r.h.roles[r.rel.Endpoint] == "peer" }

// broken reports whether this run is the relation's relation-broken hook:
// Juju then hides it from relation-ids and lists no units.
func (r *relation) broken() bool {
	return r.h.ev.Kind == charm.RelationBroken && r.h.ev.RelationID == r.rel.ID
}

// Key is Juju's relation key: "app:endpoint" for a peer relation,
// otherwise both endpoints with the requirer first.
func (r *relation) Key() string {
	local := r.h.app + ":" + r.rel.Endpoint
	if r.peer() {
		return local
	}
	remoteEP := r.rel.RemoteEndpoint
	if remoteEP == "" {
		remoteEP = r.rel.Endpoint
	}
	remote := r.rel.RemoteApp + ":" + remoteEP
	if r.h.roles[r.rel.Endpoint] == "requirer" {
		return local + " " + remote
	}
	return remote + " " + local
}

func (r *relation) unitName(n int) string { return r.rel.RemoteApp + "/" + strconv.Itoa(n) }

func (r *relation) UnitNames() []string {
	if r.broken() {
		return nil
	}
	names := make([]string, 0, len(r.rel.RemoteUnits))
	for n := range r.rel.RemoteUnits {
		name := r.unitName(n)
		// A departing unit has already left relation-list in its
		// relation-departed hook.
		if r.h.ev.Kind == charm.RelationDeparted && r.h.ev.RelationID == r.rel.ID && name == r.h.ev.DepartingUnit {
			continue
		}
		names = append(names, name)
	}
	// Juju sorts the names as strings ("app/10" before "app/2").
	sort.Strings(names)
	return names
}

func (r *relation) Settings() (jujuc.Settings, error) {
	if r.unitBag == nil {
		r.unitBag = newDatabag(r.rel.LocalUnitData)
	}
	return r.unitBag, nil
}

func (r *relation) ApplicationSettings() (jujuc.Settings, error) {
	if !r.h.st.Leader {
		return nil, jujuc.ErrPermission
	}
	if r.appBag == nil {
		r.appBag = newDatabag(r.rel.LocalAppData)
	}
	return r.appBag, nil
}

// ReadSettings follows the controller's ReadRemoteSettings: units of
// applications that are not in the relation are refused, units that are
// in it but never joined have no settings.
func (r *relation) ReadSettings(unit string) (map[string]string, error) {
	if !jujuc.IsValidUnit(unit) {
		if !jujuc.IsValidApplication(unit) {
			return nil, fmt.Errorf("%q is not a valid unit or application", unit)
		}
		return r.ReadApplicationSettings(unit)
	}
	if unit == r.h.unit {
		return nil, jujuc.ErrPermission
	}
	app := jujuc.UnitApplication(unit)
	if app != r.rel.RemoteApp && app != r.h.app {
		return nil, jujuc.ErrPermission
	}
	if app == r.rel.RemoteApp {
		n, _ := strconv.Atoi(unit[len(app)+1:])
		if data, ok := r.rel.RemoteUnits[n]; ok {
			return cloneOrEmpty(data), nil
		}
	}
	return nil, fmt.Errorf("cannot read settings for unit %q in relation %q: unit %q: settings not found", unit, r.Key(), unit)
}

// ReadApplicationSettings reads the remote application's databag, or on
// a peer relation the own application's (which every unit may read).
func (r *relation) ReadApplicationSettings(app string) (map[string]string, error) {
	switch {
	case r.peer() && app == r.h.app:
		return cloneOrEmpty(r.rel.LocalAppData), nil
	case !r.peer() && app == r.rel.RemoteApp:
		return cloneOrEmpty(r.rel.RemoteAppData), nil
	}
	return nil, jujuc.ErrPermission
}

func cloneOrEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return maps.Clone(m)
}
