package model

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/identity-platform-go/charms/internal/unitctx"
)

// Changes is what a hook changed in the model, for the controller to
// notify the units that must react.
type Changes struct {
	// Bags are the relation databags whose content changed, with their
	// new versions: the other units in the relation run relation-changed.
	Bags []BagChange
	// Revisions are owned secrets that got a new revision; Notify lists
	// the consumers (units outside the owner) that track an older one and
	// so run secret-changed.
	Revisions []SecretRevision
	// Created, Updated and Removed name secrets (by URI) the hook
	// created, changed the metadata or grants of (label, description,
	// rotate policy, expiry: rotation and expiry schedules), or removed
	// entirely. RemovedRevisions maps a URI to the revisions removed.
	Created, Updated, Removed []string
	RemovedRevisions          map[string][]int
	// Tracking is set when the unit's tracked revisions or consumer
	// labels changed (which may make revisions obsolete).
	Tracking bool

	Ports, Stored, UnitStatus, AppStatus, WorkloadVersion bool
}

// BagChange is one changed databag.
type BagChange struct {
	RelationID int
	// App is the application the bag belongs to (the unit's).
	App string
	// Unit is the unit whose bag changed, "" for the application's bag.
	Unit    string
	Version int64
}

// SecretRevision is a new revision of an owned secret.
type SecretRevision struct {
	URI      string
	Revision int
	Notify   []string
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool { return reflect.DeepEqual(c, Changes{}) }

// ErrNotLeader matches the error Apply returns when a unit that has lost
// its leadership tries to commit leader-only changes.
var ErrNotLeader = errors.New("not leader")

type notLeaderError struct{ unit, app string }

// Error is Juju's leadership error (core/leadership).
func (e *notLeaderError) Error() string {
	return fmt.Sprintf("%q is not leader of %q", e.unit, e.app)
}
func (e *notLeaderError) Is(target error) bool { return target == ErrNotLeader }

// Apply merges what a hook of unitName changed — the difference between
// the State the hook started from (in, as UnitState made it) and the State
// it ended with (out, unitctx's Output.State) — into the model: the unit's
// relation databags, its application's (leader only), its charm state,
// ports, statuses and workload version, the secrets it owns or its
// application owns (created, new revision, metadata, grants, removed
// revisions or whole secrets) and its consumer records (tracked revision,
// label). Each changed databag's version is bumped.
//
// Apply only applies differences, so a hook that failed (whose out holds
// only the effects Juju applies at once) is merged the same way, and
// concurrent hooks of other units merge without conflict: under Juju's
// ownership rules no two units write the same thing (a unit its own bags,
// state, ports, statuses and secrets; the leader its application's bags,
// status and secrets). The one overlap is a change of leader while the
// old leader's hook runs: Apply then refuses the hook's leader-only
// changes (databags and secrets of the application) with an error
// matching ErrNotLeader, commits nothing else the hook buffered but keeps
// the immediate effects (status, workload version, secret tracking), as
// Juju's commit fails on its leadership check. Relations or secrets that
// disappeared while the hook ran are skipped.
func (m *Model) Apply(unitName string, in, out unitctx.State) (Changes, error) {
	app, u, err := m.Unit(unitName)
	if err != nil {
		return Changes{}, err
	}
	a := applier{m: m, app: app, u: u, now: time.Now().UTC(), changes: Changes{RemovedRevisions: map[string][]int{}}}
	inSecrets := map[string]unitctx.Secret{}
	for _, s := range in.Secrets {
		inSecrets[secretID(s.ID)] = s
	}

	a.immediate(in, out, inSecrets)
	if leaderOnly(in, out, inSecrets) && app.Leader != unitName {
		return a.result(), &notLeaderError{unit: unitName, app: app.Name}
	}
	a.relations(in, out)
	if !maps.Equal(nilIfEmpty(in.Stored), nilIfEmpty(out.Stored)) {
		if u.Stored = applyKeys(u.Stored, in.Stored, out.Stored); len(u.Stored) == 0 {
			u.Stored = nil
		}
		a.changes.Stored = true
	}
	if !reflect.DeepEqual(in.OpenedPorts, out.OpenedPorts) {
		u.OpenedPorts = clonePorts(out.OpenedPorts)
		a.changes.Ports = true
	}
	for _, s := range out.Secrets {
		if s.Owner != "" {
			a.owned(inSecrets, s)
		}
	}
	return a.result(), nil
}

type applier struct {
	m       *Model
	app     *Application
	u       *Unit
	now     time.Time
	changes Changes
}

func (a *applier) result() Changes {
	c := a.changes
	if len(c.RemovedRevisions) == 0 {
		c.RemovedRevisions = nil
	}
	return c
}

// immediate applies what Juju applies during the hook: statuses,
// workload version, and secret tracking and labels given with secret-get.
func (a *applier) immediate(in, out unitctx.State, inSecrets map[string]unitctx.Secret) {
	u, app := a.u, a.app
	if in.UnitStatus != out.UnitStatus {
		u.WorkloadStatus = Status{Name: out.UnitStatus.Name, Message: out.UnitStatus.Message, Since: a.now}
		a.changes.UnitStatus = true
	}
	// A unit that lost its leadership set the status while it led;
	// the new leader's word wins.
	if in.AppStatus != out.AppStatus && app.Leader == u.Name {
		app.Status = Status{Name: out.AppStatus.Name, Message: out.AppStatus.Message, Since: a.now}
		a.changes.AppStatus = true
	}
	if in.WorkloadVersion != out.WorkloadVersion {
		u.WorkloadVersion = out.WorkloadVersion
		a.changes.WorkloadVersion = true
	}
	for _, s := range out.Secrets {
		ms := a.m.Secrets[secretID(s.ID)]
		old, known := inSecrets[secretID(s.ID)]
		if ms == nil || !known {
			continue
		}
		c := ms.Consumers[u.Name]
		was := c
		if s.TrackedRevision != old.TrackedRevision {
			c.TrackedRevision = s.TrackedRevision
		}
		if s.Owner == "" && s.Label != old.Label {
			c.Label = s.Label
		}
		if c != was {
			if ms.Consumers == nil {
				ms.Consumers = map[string]Consumer{}
			}
			ms.Consumers[u.Name] = c
			a.changes.Tracking = true
		}
		// An owner's label given with secret-get is saved at once too; a
		// change by secret-set is the same field (see owned).
		if s.Owner != "" && s.Label != old.Label && a.manages(ms) {
			ms.Label = s.Label
			ms.Updated = secretTime(a.now)
			a.updated(ms)
		}
	}
}

// manages reports whether the unit may change ms now.
func (a *applier) manages(ms *Secret) bool {
	switch ms.Owner.Kind {
	case OwnerUnit:
		return ms.Owner.Name == a.u.Name
	case OwnerApplication:
		return ms.Owner.Name == a.app.Name && a.app.Leader == a.u.Name
	}
	return false
}

// leaderOnly reports whether the hook changed anything only the leader
// may: an application databag, or an application-owned secret (beyond
// this unit's tracking).
func leaderOnly(in, out unitctx.State, inSecrets map[string]unitctx.Secret) bool {
	inRel := map[int]unitctx.Relation{}
	for _, r := range in.Relations {
		inRel[r.ID] = r
	}
	for _, r := range out.Relations {
		if !maps.Equal(nilIfEmpty(inRel[r.ID].LocalAppData), nilIfEmpty(r.LocalAppData)) {
			return true
		}
	}
	for _, s := range out.Secrets {
		if s.Owner != "application" {
			continue
		}
		old, known := inSecrets[secretID(s.ID)]
		if !known || committedDiffers(old, s) {
			return true
		}
	}
	return false
}

// committedDiffers reports whether an owned secret changed in what a hook
// commits (not the unit's tracking, which is saved at once, nor the
// label, which secret-get may also set at once).
func committedDiffers(a, b unitctx.Secret) bool {
	return a.Revision != b.Revision || a.Description != b.Description || a.Rotate != b.Rotate ||
		!a.Expire.Equal(b.Expire) || !reflect.DeepEqual(a.Grants, b.Grants) ||
		!slices.Equal(a.RemovedRevisions, b.RemovedRevisions) || a.RemovedAll != b.RemovedAll
}

// relations applies the unit's and (for the leader) its application's
// databag changes, key by key, to the relations still there.
func (a *applier) relations(in, out unitctx.State) {
	inRel := map[int]unitctx.Relation{}
	for _, r := range in.Relations {
		inRel[r.ID] = r
	}
	for _, o := range out.Relations {
		r := a.m.Relations[o.ID]
		i := inRel[o.ID]
		if r == nil {
			continue
		}
		if !maps.Equal(nilIfEmpty(i.LocalUnitData), nilIfEmpty(o.LocalUnitData)) && r.InScope(a.u.Name) {
			before := r.UnitData[a.u.Name]
			after := applyKeys(before, i.LocalUnitData, o.LocalUnitData)
			if !maps.Equal(before, after) {
				r.UnitData[a.u.Name] = after
				r.UnitDataVersion[a.u.Name]++
				a.changes.Bags = append(a.changes.Bags, BagChange{RelationID: r.ID, App: a.app.Name, Unit: a.u.Name, Version: r.UnitDataVersion[a.u.Name]})
			}
		}
		if _, ok := r.Endpoint(a.app.Name); ok && !maps.Equal(nilIfEmpty(i.LocalAppData), nilIfEmpty(o.LocalAppData)) {
			before := r.AppData[a.app.Name]
			after := applyKeys(before, i.LocalAppData, o.LocalAppData)
			if !maps.Equal(before, after) {
				r.AppData[a.app.Name] = after
				r.AppDataVersion[a.app.Name]++
				a.changes.Bags = append(a.changes.Bags, BagChange{RelationID: r.ID, App: a.app.Name, Version: r.AppDataVersion[a.app.Name]})
			}
		}
	}
}

// owned applies the hook's changes to a secret the unit or its
// application owns.
func (a *applier) owned(inSecrets map[string]unitctx.Secret, s unitctx.Secret) {
	id := secretID(s.ID)
	old, known := inSecrets[id]
	ms := a.m.Secrets[id]
	switch {
	case !known && s.RemovedAll:
		return
	case !known:
		a.create(id, s)
		return
	case ms == nil || !a.manages(ms):
		// Removed while the hook ran (or not this unit's to change,
		// which the engine already refused).
		return
	}
	if s.RemovedAll {
		a.m.deleteSecret(id)
		a.changes.Removed = append(a.changes.Removed, ms.URI)
		return
	}
	if s.Revision != old.Revision {
		ms.LatestRevision++
		ms.Revisions = append(ms.Revisions, Revision{Rev: ms.LatestRevision, Content: maps.Clone(s.Content)})
		ms.Updated = secretTime(a.now)
		a.changes.Revisions = append(a.changes.Revisions, SecretRevision{URI: ms.URI, Revision: ms.LatestRevision, Notify: a.m.outdated(ms)})
	}
	if s.Description != old.Description || s.Rotate != old.Rotate || !s.Expire.Equal(old.Expire) {
		ms.Description, ms.RotatePolicy, ms.Expire = s.Description, s.Rotate, s.Expire
		ms.Updated = secretTime(a.now)
		a.updated(ms)
	}
	if !reflect.DeepEqual(s.Grants, old.Grants) {
		for _, relID := range slices.Sorted(maps.Keys(mergeKeys(s.Grants, old.Grants))) {
			if slices.Equal(s.Grants[relID], old.Grants[relID]) {
				continue
			}
			if ms.Grants == nil {
				ms.Grants = map[int][]string{}
			}
			if len(s.Grants[relID]) == 0 {
				delete(ms.Grants, relID)
			} else if _, exists := a.m.Relations[relID]; exists {
				ms.Grants[relID] = slices.Clone(s.Grants[relID])
			}
		}
		if len(ms.Grants) == 0 {
			ms.Grants = nil
		}
		a.updated(ms)
	}
	var removed []int
	for _, rev := range s.RemovedRevisions {
		if !slices.Contains(old.RemovedRevisions, rev) {
			removed = append(removed, rev)
		}
	}
	if len(removed) > 0 {
		ms.removeRevisions(removed)
		a.changes.RemovedRevisions[ms.URI] = removed
		if len(ms.Revisions) == 0 {
			a.m.deleteSecret(id)
			a.changes.Removed = append(a.changes.Removed, ms.URI)
		}
	}
}

func (a *applier) updated(ms *Secret) {
	if !slices.Contains(a.changes.Updated, ms.URI) {
		a.changes.Updated = append(a.changes.Updated, ms.URI)
	}
}

// create adds a secret the hook created.
func (a *applier) create(id string, s unitctx.Secret) {
	owner := Owner{Kind: OwnerApplication, Name: a.app.Name}
	if s.Owner == "unit" {
		owner = Owner{Kind: OwnerUnit, Name: a.u.Name}
	}
	ms := &Secret{
		ID: id, URI: s.ID, Owner: owner,
		Label: s.Label, Description: s.Description, RotatePolicy: s.Rotate, Expire: s.Expire,
		Created: secretTime(a.now), Updated: secretTime(a.now),
		LatestRevision: 1,
		Revisions:      []Revision{{Rev: 1, Content: maps.Clone(s.Content)}},
	}
	if s.TrackedRevision > 0 {
		ms.Consumers = map[string]Consumer{a.u.Name: {TrackedRevision: s.TrackedRevision}}
	}
	for relID, subjects := range s.Grants {
		if _, exists := a.m.Relations[relID]; exists && len(subjects) > 0 {
			if ms.Grants == nil {
				ms.Grants = map[int][]string{}
			}
			ms.Grants[relID] = slices.Clone(subjects)
		}
	}
	a.m.Secrets[id] = ms
	a.changes.Created = append(a.changes.Created, ms.URI)
}

// outdated lists the consumers of s outside its owner that track an older
// revision than the latest, sorted.
func (m *Model) outdated(s *Secret) []string {
	var out []string
	for unit, c := range s.Consumers {
		if c.TrackedRevision == 0 || c.TrackedRevision == s.LatestRevision {
			continue
		}
		if s.Owner.Kind == OwnerApplication && unitApp(unit) == s.Owner.Name || s.Owner.Kind == OwnerUnit && unit == s.Owner.Name {
			continue
		}
		out = append(out, unit)
	}
	sortUnits(out)
	return out
}

func (s *Secret) removeRevisions(revs []int) {
	s.Revisions = slices.DeleteFunc(s.Revisions, func(r Revision) bool { return slices.Contains(revs, r.Rev) })
	if len(s.Revisions) > 0 && s.content(s.LatestRevision) == nil {
		s.LatestRevision = s.Revisions[len(s.Revisions)-1].Rev
	}
}

// secretTime is a secret's time as Juju keeps it: UTC, to the second.
func secretTime(t time.Time) time.Time { return t.Round(time.Second).UTC() }

// deleteSecret removes a secret.
func (m *Model) deleteSecret(id string) { delete(m.Secrets, id) }

// applyKeys applies the key-level difference between from and to onto
// base, returning a new map (never nil).
func applyKeys(base, from, to map[string]string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	for k := range from {
		if _, still := to[k]; !still {
			delete(out, k)
		}
	}
	for k, v := range to {
		if old, had := from[k]; !had || old != v {
			out[k] = v
		}
	}
	return out
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func mergeKeys(a, b map[int][]string) map[int]bool {
	out := map[int]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
