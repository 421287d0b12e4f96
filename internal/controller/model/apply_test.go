package model

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/unitctx"
)

// secretIn returns the secret with this bare ID in st, for editing.
func secretIn(t *testing.T, st *unitctx.State, id string) *unitctx.Secret {
	t.Helper()
	for i := range st.Secrets {
		if secretID(st.Secrets[i].ID) == id {
			return &st.Secrets[i]
		}
	}
	t.Fatalf("secret %s not in the state", id)
	return nil
}

func relationIn(t *testing.T, st *unitctx.State, id int) *unitctx.Relation {
	t.Helper()
	for i := range st.Relations {
		if st.Relations[i].ID == id {
			return &st.Relations[i]
		}
	}
	t.Fatalf("relation %d not in the state", id)
	return nil
}

func mustState(t *testing.T, m *Model, unit string) unitctx.State {
	t.Helper()
	st, err := m.UnitState(unit)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestApply(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		unit string
		// before edits the model between projection and merge (what
		// happened while the hook ran).
		before func(m *Model)
		// hook turns the State in into the State out.
		hook  func(t *testing.T, out *unitctx.State)
		want  Changes
		err   error
		check func(t *testing.T, m *Model)
	}{
		{
			name: "nothing changed",
			unit: "hydra/1",
			hook: func(t *testing.T, out *unitctx.State) {},
		},
		{
			name: "a leader's app-bag write reaches the other side with a bumped version",
			unit: "hydra/0",
			hook: func(t *testing.T, out *unitctx.State) {
				relationIn(t, out, 2).LocalAppData = map[string]string{"database": "hydra", "extra-user-roles": "SUPERUSER"}
			},
			want: Changes{Bags: []BagChange{{RelationID: 2, App: "hydra", Version: 3}}},
			check: func(t *testing.T, m *Model) {
				pg := mustState(t, m, "postgresql/0")
				if got := relationIn(t, &pg, 2).RemoteAppData; !reflect.DeepEqual(got, map[string]string{"database": "hydra", "extra-user-roles": "SUPERUSER"}) {
					t.Errorf("postgresql sees %v", got)
				}
				// And the follower reads it too.
				h1 := mustState(t, m, "hydra/1")
				if relationIn(t, &h1, 2).LocalAppData["extra-user-roles"] != "SUPERUSER" {
					t.Error("follower does not see its application's bag")
				}
			},
		},
		{
			name: "a unit-bag write, key by key",
			unit: "hydra/1",
			before: func(m *Model) {
				// Written by nobody but hydra/1 in Juju; shows that only
				// the keys the hook touched are applied.
				m.Relations[1].UnitData["hydra/1"]["other"] = "kept"
			},
			hook: func(t *testing.T, out *unitctx.State) {
				relationIn(t, out, 1).LocalUnitData = map[string]string{"q": "1"} // p deleted, q added
			},
			want: Changes{Bags: []BagChange{{RelationID: 1, App: "hydra", Unit: "hydra/1", Version: 2}}},
			check: func(t *testing.T, m *Model) {
				if got := m.Relations[1].UnitData["hydra/1"]; !reflect.DeepEqual(got, map[string]string{"q": "1", "other": "kept"}) {
					t.Errorf("bag = %v", got)
				}
				h0 := mustState(t, m, "hydra/0")
				if got := relationIn(t, &h0, 1).RemoteUnits[1]; got["q"] != "1" {
					t.Errorf("peer sees %v", got)
				}
			},
		},
		{
			name:   "a leader that lost its leadership commits no leader-only change",
			unit:   "hydra/0",
			before: func(m *Model) { m.Applications["hydra"].Leader = "hydra/1" },
			hook: func(t *testing.T, out *unitctx.State) {
				relationIn(t, out, 2).LocalAppData["database"] = "other"
				relationIn(t, out, 2).LocalUnitData = map[string]string{"h": "changed"}
				out.UnitStatus = unitctx.Status{Name: "maintenance", Message: "busy"}
			},
			err:  ErrNotLeader,
			want: Changes{UnitStatus: true},
			check: func(t *testing.T, m *Model) {
				r := m.Relations[2]
				if r.AppData["hydra"]["database"] != "hydra" || r.UnitData["hydra/0"]["h"] != "0" || r.AppDataVersion["hydra"] != 2 {
					t.Errorf("relation changed: %+v", r)
				}
				if m.Applications["hydra"].Units[0].WorkloadStatus.Name != "maintenance" {
					t.Error("immediate status lost")
				}
			},
		},
		{
			name: "set-content makes a revision and lists the consumers to notify",
			unit: "postgresql/0",
			before: func(m *Model) {
				m.Secrets[pgSecret].Consumers["hydra/1"] = Consumer{TrackedRevision: 2}
				m.Secrets[pgSecret].Consumers["postgresql/0"] = Consumer{TrackedRevision: 2} // the owner: no secret-changed
			},
			hook: func(t *testing.T, out *unitctx.State) {
				s := secretIn(t, out, pgSecret)
				s.Revision, s.Content = 3, map[string]string{"password": "newer"}
			},
			want: Changes{Revisions: []SecretRevision{{URI: uri(pgSecret), Revision: 3, Notify: []string{"hydra/0", "hydra/1"}}}},
			check: func(t *testing.T, m *Model) {
				s := m.Secrets[pgSecret]
				if s.LatestRevision != 3 || s.Latest()["password"] != "newer" || len(s.Revisions) != 3 {
					t.Errorf("secret = %+v", s)
				}
				h := mustState(t, m, "hydra/0")
				v := secretIn(t, &h, pgSecret)
				if v.Revision != 3 || v.TrackedRevision != 1 || v.TrackedContent["password"] != "old" {
					t.Errorf("consumer sees %+v", v)
				}
			},
		},
		{
			name: "a created secret granted over a relation reaches the grantee",
			unit: "postgresql/0",
			hook: func(t *testing.T, out *unitctx.State) {
				out.Secrets = append(out.Secrets, unitctx.Secret{
					ID: uri("cu9h1q4tmf1s4kmdpt3z"), Owner: "application", Label: "relation-2", Description: "d",
					Revision: 1, Content: map[string]string{"username": "u", "password": "p"},
					Grants: map[int][]string{2: {"hydra"}, 9: {"gone"}},
				})
			},
			want: Changes{Created: []string{uri("cu9h1q4tmf1s4kmdpt3z")}},
			check: func(t *testing.T, m *Model) {
				s := m.Secrets["cu9h1q4tmf1s4kmdpt3z"]
				if s == nil || s.Owner != (Owner{OwnerApplication, "postgresql"}) || s.Label != "relation-2" || !reflect.DeepEqual(s.Grants, map[int][]string{2: {"hydra"}}) {
					t.Fatalf("secret = %+v", s)
				}
				h := mustState(t, m, "hydra/1")
				if v := secretIn(t, &h, "cu9h1q4tmf1s4kmdpt3z"); v.Owner != "" || v.Content["password"] != "p" || v.Label != "" {
					t.Errorf("consumer sees %+v", v)
				}
				k := mustState(t, m, "kratos/0")
				if _, seen := secretView(k, "cu9h1q4tmf1s4kmdpt3z"); seen {
					t.Error("kratos sees a secret granted to hydra")
				}
			},
		},
		{
			name: "a unit-owned secret created by a follower",
			unit: "hydra/1",
			hook: func(t *testing.T, out *unitctx.State) {
				out.Secrets = append(out.Secrets, unitctx.Secret{ID: uri("cu9h1q4tmf1s4kmdpt3y"), Owner: "unit", Label: "own", Revision: 1, Content: map[string]string{"key": "v"}})
			},
			want: Changes{Created: []string{uri("cu9h1q4tmf1s4kmdpt3y")}},
			check: func(t *testing.T, m *Model) {
				if s := m.Secrets["cu9h1q4tmf1s4kmdpt3y"]; s == nil || s.Owner != (Owner{OwnerUnit, "hydra/1"}) {
					t.Fatalf("secret = %+v", s)
				}
				h := mustState(t, m, "hydra/0")
				if _, seen := secretView(h, "cu9h1q4tmf1s4kmdpt3y"); seen {
					t.Error("another unit sees a unit-owned secret")
				}
			},
		},
		{
			name: "consumer tracking and label, then the old revision is obsolete",
			unit: "hydra/0",
			hook: func(t *testing.T, out *unitctx.State) {
				s := secretIn(t, out, pgSecret)
				s.TrackedRevision, s.TrackedContent, s.Label = 2, nil, "renamed"
			},
			want: Changes{Tracking: true},
			check: func(t *testing.T, m *Model) {
				s := m.Secrets[pgSecret]
				if s.Consumers["hydra/0"] != (Consumer{Label: "renamed", TrackedRevision: 2}) {
					t.Errorf("consumer = %+v", s.Consumers["hydra/0"])
				}
				if got := s.Obsolete(); !slices.Equal(got, []int{1}) {
					t.Errorf("obsolete = %v", got)
				}
			},
		},
		{
			name: "secret-remove of the whole secret",
			unit: "postgresql/0",
			hook: func(t *testing.T, out *unitctx.State) { secretIn(t, out, pgSecret).RemovedAll = true },
			want: Changes{Removed: []string{uri(pgSecret)}},
			check: func(t *testing.T, m *Model) {
				if m.Secrets[pgSecret] != nil {
					t.Error("secret still there")
				}
				h := mustState(t, m, "hydra/0")
				if _, seen := secretView(h, pgSecret); seen {
					t.Error("consumer still sees it")
				}
			},
		},
		{
			name: "secret-remove of a revision",
			unit: "postgresql/0",
			hook: func(t *testing.T, out *unitctx.State) { secretIn(t, out, pgSecret).RemovedRevisions = []int{1} },
			want: Changes{RemovedRevisions: map[string][]int{uri(pgSecret): {1}}},
			check: func(t *testing.T, m *Model) {
				if s := m.Secrets[pgSecret]; len(s.Revisions) != 1 || s.Revisions[0].Rev != 2 || s.LatestRevision != 2 {
					t.Errorf("secret = %+v", s)
				}
			},
		},
		{
			name: "revoke and metadata",
			unit: "postgresql/0",
			hook: func(t *testing.T, out *unitctx.State) {
				s := secretIn(t, out, kratosSecret)
				s.Grants, s.Rotate, s.Label = nil, "daily", "kratos-user"
			},
			want: Changes{Updated: []string{uri(kratosSecret)}},
			check: func(t *testing.T, m *Model) {
				s := m.Secrets[kratosSecret]
				if s.Grants != nil || s.RotatePolicy != "daily" || s.Label != "kratos-user" {
					t.Errorf("secret = %+v", s)
				}
				k := mustState(t, m, "kratos/0")
				if _, seen := secretView(k, kratosSecret); seen {
					t.Error("revoked consumer still sees it")
				}
			},
		},
		{
			name: "charm state, ports, statuses and workload version",
			unit: "hydra/0",
			hook: func(t *testing.T, out *unitctx.State) {
				out.Stored = map[string]string{"seen": "2", "new": "x"}
				out.OpenedPorts = []unitctx.Port{{Protocol: "tcp", From: 4444, To: 4444}}
				out.UnitStatus = unitctx.Status{Name: "blocked", Message: "need db"}
				out.AppStatus = unitctx.Status{Name: "blocked", Message: "need db"}
				out.WorkloadVersion = "2.3.0"
			},
			want: Changes{Stored: true, Ports: true, UnitStatus: true, AppStatus: true, WorkloadVersion: true},
			check: func(t *testing.T, m *Model) {
				app := m.Applications["hydra"]
				u := app.Units[0]
				if !reflect.DeepEqual(u.Stored, map[string]string{"seen": "2", "new": "x"}) || len(u.OpenedPorts) != 1 || u.WorkloadVersion != "2.3.0" {
					t.Errorf("unit = %+v", u)
				}
				if u.WorkloadStatus.Name != "blocked" || u.WorkloadStatus.Since.IsZero() || app.Status.Message != "need db" {
					t.Errorf("statuses = %+v %+v", u.WorkloadStatus, app.Status)
				}
			},
		},
		{
			name:   "a relation removed while the hook ran is skipped",
			unit:   "hydra/1",
			before: func(m *Model) { delete(m.Relations, 2) },
			hook: func(t *testing.T, out *unitctx.State) {
				relationIn(t, out, 2).LocalUnitData = map[string]string{"late": "1"}
			},
		},
		{
			name:   "a secret removed while the consumer's hook ran is skipped",
			unit:   "hydra/0",
			before: func(m *Model) { delete(m.Secrets, pgSecret) },
			hook: func(t *testing.T, out *unitctx.State) {
				secretIn(t, out, pgSecret).TrackedRevision = 2
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := fixture()
			in := mustState(t, m, tc.unit)
			out := in.Clone()
			tc.hook(t, &out)
			if tc.before != nil {
				tc.before(m)
			}
			got, err := m.Apply(tc.unit, in, out)
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("Apply error = %v, want %v", err, tc.err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Changes = %+v, want %+v", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
}

func TestApplyNotLeaderText(t *testing.T) {
	t.Parallel()
	m := fixture()
	in := mustState(t, m, "hydra/0")
	out := in.Clone()
	secretIn(t, &out, hydraSecret).Revision = 2
	m.Applications["hydra"].Leader = ""
	if _, err := m.Apply("hydra/0", in, out); err == nil || err.Error() != `"hydra/0" is not leader of "hydra"` {
		t.Errorf("Apply = %v", err)
	}
	if m.Secrets[hydraSecret].LatestRevision != 1 {
		t.Error("revision committed")
	}
}

func TestApplyUnknownUnit(t *testing.T) {
	t.Parallel()
	if _, err := fixture().Apply("gone/0", unitctx.State{}, unitctx.State{}); err == nil || err.Error() != `unit "gone/0" not found` {
		t.Errorf("Apply = %v", err)
	}
}

func TestSecretTimes(t *testing.T) {
	t.Parallel()
	// long ago is the fixture secrets' creation and last update.
	longAgo := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	const created = "cu9h1q4tmf1s4kmdpt3z"
	for _, tc := range []struct {
		name    string
		unit    string
		id      string
		hook    func(t *testing.T, out *unitctx.State)
		created bool // Created is now (else it stays long ago)
		updated bool // Updated is now (else it stays long ago)
	}{
		{name: "created by a hook", unit: "postgresql/0", id: created, created: true, updated: true,
			hook: func(t *testing.T, out *unitctx.State) {
				out.Secrets = append(out.Secrets, unitctx.Secret{ID: uri(created), Owner: "application", Revision: 1, Content: map[string]string{"k": "v"}})
			}},
		{name: "a new revision", unit: "postgresql/0", id: pgSecret, updated: true,
			hook: func(t *testing.T, out *unitctx.State) {
				s := secretIn(t, out, pgSecret)
				s.Revision, s.Content = 3, map[string]string{"password": "newer"}
			}},
		{name: "description", unit: "postgresql/0", id: pgSecret, updated: true,
			hook: func(t *testing.T, out *unitctx.State) { secretIn(t, out, pgSecret).Description = "db user" }},
		{name: "rotation", unit: "postgresql/0", id: pgSecret, updated: true,
			hook: func(t *testing.T, out *unitctx.State) { secretIn(t, out, pgSecret).Rotate = "daily" }},
		{name: "expiry", unit: "postgresql/0", id: pgSecret, updated: true,
			hook: func(t *testing.T, out *unitctx.State) { secretIn(t, out, pgSecret).Expire = longAgo.AddDate(10, 0, 0) }},
		{name: "the owner's label", unit: "postgresql/0", id: pgSecret, updated: true,
			hook: func(t *testing.T, out *unitctx.State) { secretIn(t, out, pgSecret).Label = "db" }},
		{name: "a grant is not an update", unit: "postgresql/0", id: pgSecret,
			hook: func(t *testing.T, out *unitctx.State) { secretIn(t, out, pgSecret).Grants = nil }},
		{name: "a consumer's tracking is not an update", unit: "hydra/0", id: pgSecret,
			hook: func(t *testing.T, out *unitctx.State) { secretIn(t, out, pgSecret).TrackedRevision = 2 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := fixture()
			for _, s := range m.Secrets {
				s.Created, s.Updated = longAgo, longAgo
			}
			in := mustState(t, m, tc.unit)
			out := in.Clone()
			tc.hook(t, &out)
			before := time.Now().Add(-time.Second)
			if _, err := m.Apply(tc.unit, in, out); err != nil {
				t.Fatal(err)
			}
			after := time.Now().Add(time.Second)
			s := m.Secrets[tc.id]
			check := func(what string, got time.Time, now bool) {
				t.Helper()
				if got.Location() != time.UTC || got.Nanosecond() != 0 {
					t.Errorf("%s = %v, want UTC to the second", what, got)
				}
				if now && (got.Before(before) || got.After(after)) {
					t.Errorf("%s = %v, want now", what, got)
				}
				if !now && !got.Equal(longAgo) {
					t.Errorf("%s = %v, want it kept (%v)", what, got, longAgo)
				}
			}
			check("Created", s.Created, tc.created)
			check("Updated", s.Updated, tc.updated)
		})
	}
}
