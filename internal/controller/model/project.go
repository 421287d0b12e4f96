package model

import (
	"cmp"
	"maps"
	"slices"

	"github.com/identity-platform-go/charms/internal/unitctx"
)

// UnitState is what unitName sees of the model at the start of a hook, as
// Juju's uniter builds a hook context:
//
//   - Leader, the operator-set Config, the unit's Stored state, statuses,
//     workload version, opened ports and address;
//   - the relations whose scope the unit has entered (Juju's context lists
//     the relations its uniter joined, from before relation-created to
//     after relation-broken), each with the unit's own databag, its
//     application's, the remote application's, and the remote units in
//     scope with theirs (on a peer relation: the application's other
//     units, and no remote application databag);
//   - the secrets its application owns (every unit sees them, only the
//     leader may manage them — the engine enforces that) and those the
//     unit itself owns, with their grants; and the secrets granted to its
//     application or to the unit over a relation that still exists (or,
//     for the operator's secrets, to the application), with this unit's
//     consumer label and tracked revision.
//
// Containers are left to the caller (the engine never reads them).
func (m *Model) UnitState(unitName string) (unitctx.State, error) {
	app, u, err := m.Unit(unitName)
	if err != nil {
		return unitctx.State{}, err
	}
	st := unitctx.State{
		Leader:          app.Leader == unitName,
		Config:          maps.Clone(map[string]any(app.Config)),
		Stored:          maps.Clone(u.Stored),
		UnitStatus:      unitctx.Status{Name: u.WorkloadStatus.Name, Message: u.WorkloadStatus.Message},
		AppStatus:       unitctx.Status{Name: app.Status.Name, Message: app.Status.Message},
		WorkloadVersion: u.WorkloadVersion,
		OpenedPorts:     clonePorts(u.OpenedPorts),
		Address:         u.Address,
	}
	for _, id := range slices.Sorted(maps.Keys(m.Relations)) {
		r := m.Relations[id]
		if !r.InScope(unitName) {
			continue
		}
		st.Relations = append(st.Relations, r.view(app.Name, unitName))
	}
	inState := map[int]bool{}
	for _, r := range st.Relations {
		inState[r.ID] = true
	}
	for _, id := range slices.Sorted(maps.Keys(m.Secrets)) {
		s := m.Secrets[id]
		owner := s.ownedBy(app.Name, unitName)
		if owner == "" && !m.granted(s, app.Name, unitName) {
			continue
		}
		st.Secrets = append(st.Secrets, s.view(owner, unitName, inState))
	}
	return st, nil
}

// view is r as a unit of app sees it.
func (r *Relation) view(app, unit string) unitctx.Relation {
	local, _ := r.Endpoint(app)
	other := r.Other(app)
	remote, _ := r.Endpoint(other)
	v := unitctx.Relation{
		Endpoint:       local.Name,
		ID:             r.ID,
		RemoteApp:      other,
		RemoteEndpoint: remote.Name,
		LocalAppData:   maps.Clone(r.AppData[app]),
		LocalUnitData:  maps.Clone(r.UnitData[unit]),
		RemoteUnits:    map[int]map[string]string{},
	}
	if !r.Peer() {
		v.RemoteAppData = maps.Clone(r.AppData[other])
	}
	for _, name := range r.Members[other] {
		if name == unit {
			continue
		}
		_, n, _ := splitUnit(name)
		v.RemoteUnits[n] = cloneOrEmpty(r.UnitData[name])
	}
	return v
}

// granted reports whether a secret app (or unit) does not own has been
// granted to it.
func (m *Model) granted(s *Secret, app, unit string) bool {
	if s.Owner.Kind == OwnerModel && slices.Contains(s.UserGrants, app) {
		return true
	}
	for id, subjects := range s.Grants {
		r, ok := m.Relations[id]
		if !ok {
			continue
		}
		if _, in := r.Endpoint(app); !in {
			continue
		}
		if slices.Contains(subjects, app) || slices.Contains(subjects, unit) {
			return true
		}
	}
	return false
}

// view is s as unit sees it: owner is "application", "unit" or "" (a
// consumer); grants are kept for the relations the unit sees.
func (s *Secret) view(owner, unit string, relations map[int]bool) unitctx.Secret {
	c := s.Consumers[unit]
	v := unitctx.Secret{
		ID:              s.URI,
		Owner:           owner,
		Revision:        s.LatestRevision,
		Content:         maps.Clone(s.Latest()),
		TrackedRevision: c.TrackedRevision,
	}
	if c.TrackedRevision != 0 && c.TrackedRevision != s.LatestRevision {
		v.TrackedContent = cloneOrEmpty(s.content(c.TrackedRevision))
	}
	if owner == "" {
		v.Label = c.Label
		return v
	}
	v.Label, v.Description, v.Expire, v.Rotate = s.Label, s.Description, s.Expire, s.RotatePolicy
	for id, subjects := range s.Grants {
		if relations[id] {
			if v.Grants == nil {
				v.Grants = map[int][]string{}
			}
			v.Grants[id] = slices.Clone(subjects)
		}
	}
	return v
}

func cloneOrEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return maps.Clone(m)
}

func clonePorts(ps []unitctx.Port) []unitctx.Port {
	if ps == nil {
		return nil
	}
	out := make([]unitctx.Port, len(ps))
	for i, p := range ps {
		p.Endpoints = slices.Clone(p.Endpoints)
		out[i] = p
	}
	return out
}

// sortUnits orders unit names by application, then number ("app/2"
// before "app/10").
func sortUnits(names []string) {
	slices.SortFunc(names, func(a, b string) int {
		appA, nA, _ := splitUnit(a)
		appB, nB, _ := splitUnit(b)
		return cmp.Or(cmp.Compare(appA, appB), cmp.Compare(nA, nB))
	})
}
