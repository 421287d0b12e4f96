package uniter

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
)

// world is a minimal controller: it runs Next until the unit is idle,
// commits or fails each op, and takes finished actions, rotations and
// expiries off the remote state as Juju's watchers do.
type world struct {
	t       *testing.T
	local   Local
	remote  Remote
	failing map[string]int // op description → how many more runs fail
}

// describe names an op for the expected sequences: the hook name, then the
// remote unit (or "app:<name>" for an application-level relation-changed),
// the departing unit, the secret and its revision.
func describe(op Op) string {
	e := op.Event
	switch op.Kind {
	case RunAction:
		return "action " + e.Name
	case ResignLeadership:
		return "resign-leadership"
	}
	s := e.Name
	switch {
	case e.Kind == charm.RelationDeparted:
		s += " " + e.RemoteUnit + " departing " + e.DepartingUnit
	case e.IsRelation() && e.RemoteUnit != "":
		s += " " + e.RemoteUnit
	case e.Kind == charm.RelationChanged:
		s += " app:" + e.RemoteApp
	case e.SecretID != "" && e.SecretRevision > 0:
		s += fmt.Sprintf(" %s/%d", e.SecretID, e.SecretRevision)
	case e.SecretID != "":
		s += " " + e.SecretID
	case e.NoticeKey != "":
		s += " " + e.NoticeKey
	case e.CheckName != "":
		s += " " + e.CheckName
	}
	if op.Kind == SkipHook {
		s = "skip " + s
	}
	return s
}

func (w *world) step() (string, bool) {
	op, ok := Next(w.local, w.remote)
	if !ok {
		return "", false
	}
	desc := describe(op)
	if op.Runs() && w.failing[desc] > 0 {
		w.failing[desc]--
		w.local = Fail(w.local, op)
		desc += " FAILS"
	} else {
		w.local = Commit(w.local, op)
	}
	w.finish(op)
	return desc, true
}

// finish is the controller's side of a taken op.
func (w *world) finish(op Op) {
	switch {
	case op.Kind == RunAction:
		w.remote.Actions = slices.DeleteFunc(slices.Clone(w.remote.Actions), func(a PendingAction) bool { return a.ID == op.ActionID })
	case op.Kind != RunHook && op.Kind != SkipHook:
	case w.local.Failed != nil && w.local.Failed.Op.Event == op.Event:
		// Failed: the rotation or expiry stays due.
	case op.Event.Kind == charm.SecretRotate:
		w.remote.Secrets.Rotations = w.remote.Secrets.Rotations[1:]
	case op.Event.Kind == charm.SecretExpired:
		w.remote.Secrets.Expiries = w.remote.Secrets.Expiries[1:]
	}
}

func (w *world) drain() []string {
	var got []string
	for len(got) < 200 {
		desc, ok := w.step()
		if !ok {
			return got
		}
		got = append(got, desc)
	}
	w.t.Fatalf("no fixed point after %d ops: %q", len(got), got)
	return nil
}

// hydra is a unit of a sidecar charm with one workload container, a peer
// relation and a relation to PostgreSQL, as the controller would describe
// it right after deployment.
func hydra() Remote {
	return Remote{
		Unit:                  "hydra/0",
		Leader:                true,
		LeaderSettingsVersion: 1,
		CharmURL:              "local:hydra-0",
		ConfigHash:            "config-1",
		TrustHash:             "trust-0",
		AddressHash:           "addr-1",
		Relations: map[int]RemoteRelation{
			1: {Endpoint: "peers", Peer: true, RemoteApp: "hydra", AppVersion: 1, Members: map[string]int64{}},
			3: {Endpoint: "pg-database", RemoteApp: "postgresql", AppVersion: 1, Members: map[string]int64{"postgresql/0": 1}},
		},
		Containers: map[string]RemoteContainer{"hydra": {PebbleBoot: 1}},
	}
}

var deployLeader = []string{
	"install",
	"peers-relation-created",
	"pg-database-relation-created",
	"leader-elected",
	"hydra-pebble-ready",
	"config-changed",
	"start",
	// Non-peer relations first; the application bag before the units; each
	// joined immediately followed by its changed.
	"pg-database-relation-changed app:postgresql",
	"pg-database-relation-joined postgresql/0",
	"pg-database-relation-changed postgresql/0",
	"peers-relation-changed app:hydra",
}

type scenarioStep struct {
	name   string
	change func(w *world)
	want   []string
}

func TestScenarios(t *testing.T) {
	t.Parallel()
	deploy := scenarioStep{name: "deploy", want: deployLeader}
	tests := []struct {
		name   string
		remote func() Remote
		steps  []scenarioStep
	}{
		{
			name:   "deploy leader, second unit joins, config change, update-status",
			remote: hydra,
			steps: []scenarioStep{
				deploy,
				{name: "idle", want: nil},
				{
					name: "postgresql/1 enters scope",
					change: func(w *world) {
						w.remote.Relations[3].Members["postgresql/1"] = 4
					},
					want: []string{"pg-database-relation-joined postgresql/1", "pg-database-relation-changed postgresql/1"},
				},
				{
					name: "postgresql/0 writes its unit bag, the leader its app bag",
					change: func(w *world) {
						rel := w.remote.Relations[3]
						rel.Members["postgresql/0"] = 2
						rel.AppVersion = 7
						w.remote.Relations[3] = rel
					},
					want: []string{"pg-database-relation-changed app:postgresql", "pg-database-relation-changed postgresql/0"},
				},
				{
					name: "a peer joins",
					change: func(w *world) {
						w.remote.Relations[1].Members["hydra/1"] = 1
					},
					want: []string{"peers-relation-joined hydra/1", "peers-relation-changed hydra/1"},
				},
				{
					name:   "juju config",
					change: func(w *world) { w.remote.ConfigHash = "config-2" },
					want:   []string{"config-changed"},
				},
				{
					name:   "juju trust",
					change: func(w *world) { w.remote.TrustHash = "trust-1" },
					want:   []string{"config-changed"},
				},
				{
					name:   "update-status timer",
					change: func(w *world) { w.remote.UpdateStatusVersion++ },
					want:   []string{"update-status"},
				},
				{
					name: "a timer tick while another hook is due is absorbed by it",
					change: func(w *world) {
						w.remote.UpdateStatusVersion++
						w.remote.ConfigHash = "config-3"
					},
					want: []string{"config-changed"},
				},
				{
					name: "postgresql/1 leaves scope",
					change: func(w *world) {
						delete(w.remote.Relations[3].Members, "postgresql/1")
					},
					want: []string{"pg-database-relation-departed postgresql/1 departing postgresql/1"},
				},
			},
		},
		{
			name: "deploy non-leader",
			remote: func() Remote {
				r := hydra()
				r.Unit, r.Leader = "hydra/1", false
				return r
			},
			steps: []scenarioStep{{
				name: "deploy",
				want: []string{
					"install",
					"peers-relation-created",
					"pg-database-relation-created",
					"leader-settings-changed",
					"hydra-pebble-ready",
					"config-changed",
					"start",
					"pg-database-relation-changed app:postgresql",
					"pg-database-relation-joined postgresql/0",
					"pg-database-relation-changed postgresql/0",
					"peers-relation-changed app:hydra",
				},
			}},
		},
		{
			name: "pebble not up yet: pebble-ready lands after start and relations",
			remote: func() Remote {
				r := hydra()
				r.Containers["hydra"] = RemoteContainer{}
				return r
			},
			steps: []scenarioStep{
				{
					name: "deploy",
					want: slices.DeleteFunc(slices.Clone(deployLeader), func(s string) bool { return s == "hydra-pebble-ready" }),
				},
				{
					name:   "pebble answers",
					change: func(w *world) { w.remote.Containers["hydra"] = RemoteContainer{PebbleBoot: 1} },
					want:   []string{"hydra-pebble-ready"},
				},
				{
					name:   "the workload container restarts alone",
					change: func(w *world) { w.remote.Containers["hydra"] = RemoteContainer{PebbleBoot: 2} },
					want:   []string{"hydra-pebble-ready"},
				},
			},
		},
		{
			name:   "refresh in place, pod churn, refresh by rolling the pod",
			remote: hydra,
			steps: []scenarioStep{
				deploy,
				{
					name:   "in-place charm change (machine-style)",
					change: func(w *world) { w.remote.CharmURL, w.remote.CharmModifiedVersion = "local:hydra-1", 1 },
					want:   []string{"upgrade-charm", "config-changed"},
				},
				{
					name:   "pod terminated: stop",
					change: func(w *world) { w.remote.Shutdown = true },
					want:   []string{"stop"},
				},
				{
					name: "new pod",
					change: func(w *world) {
						w.remote.Shutdown = false
						w.local = Restart(w.local, w.remote)
					},
					want: []string{"upgrade-charm", "config-changed", "start", "hydra-pebble-ready"},
				},
				{
					name: "juju refresh on a sidecar app rolls the pod",
					change: func(w *world) {
						w.remote.Shutdown = true
						w.drain()
						w.remote.Shutdown = false
						w.remote.CharmURL, w.remote.CharmModifiedVersion = "local:hydra-2", 2
						w.local = Restart(w.local, w.remote)
					},
					want: []string{"upgrade-charm", "config-changed", "start", "hydra-pebble-ready"},
				},
			},
		},
		{
			name: "pod churn of a non-leader",
			remote: func() Remote {
				r := hydra()
				r.Unit, r.Leader = "hydra/1", false
				return r
			},
			steps: []scenarioStep{
				{name: "deploy", change: func(w *world) { w.drain() }},
				{
					name: "churn",
					change: func(w *world) {
						w.remote.Shutdown = true
						w.drain()
						w.remote.Shutdown = false
						w.local = Restart(w.local, w.remote)
					},
					want: []string{"upgrade-charm", "config-changed", "start", "leader-settings-changed", "hydra-pebble-ready"},
				},
			},
		},
		{
			name: "leadership changes",
			remote: func() Remote {
				r := hydra()
				r.Leader = false
				return r
			},
			steps: []scenarioStep{
				{name: "deploy", change: func(w *world) { w.drain() }},
				{
					name:   "elected",
					change: func(w *world) { w.remote.Leader = true },
					want:   []string{"leader-elected"},
				},
				{
					name:   "deposed: no hook, only the resignation",
					change: func(w *world) { w.remote.Leader = false },
					want:   []string{"resign-leadership"},
				},
				{
					name: "new leader runs leader-set",
					change: func(w *world) {
						w.remote.LeaderSettingsVersion++
					},
					want: []string{"leader-settings-changed"},
				},
				{
					name:   "elected again",
					change: func(w *world) { w.remote.Leader = true },
					want:   []string{"leader-elected"},
				},
			},
		},
		{
			name:   "secrets",
			remote: hydra,
			steps: []scenarioStep{
				deploy,
				{
					name: "consumed secret gets a new revision",
					change: func(w *world) {
						w.remote.Secrets.Consumed = map[string]ConsumedSecret{"secret:pg": {Label: "db", Revision: 2}}
					},
					want: []string{"secret-changed secret:pg"},
				},
				{
					name: "everything at once: expired, rotate, changed, remove",
					change: func(w *world) {
						w.remote.Secrets.Consumed["secret:pg"] = ConsumedSecret{Label: "db", Revision: 3}
						w.remote.Secrets.Rotations = []SecretRef{{URI: "secret:jwks", Label: "jwks"}}
						w.remote.Secrets.Expiries = []SecretRef{{URI: "secret:jwks", Label: "jwks", Revision: 4}}
						w.remote.Secrets.Obsolete = map[string][]int{"secret:jwks": {1, 2}}
					},
					want: []string{
						"secret-expired secret:jwks/4",
						"secret-rotate secret:jwks",
						"secret-changed secret:pg",
						"secret-remove secret:jwks/1",
						"secret-remove secret:jwks/2",
					},
				},
				{
					name:   "a revision already removed is not removed twice",
					change: func(w *world) { w.remote.Secrets.Obsolete["secret:jwks"] = []int{1, 2, 3} },
					want:   []string{"secret-remove secret:jwks/3"},
				},
			},
		},
		{
			name: "removal with storage, peers and a dying relation",
			remote: func() Remote {
				r := hydra()
				r.Relations[3].Members["postgresql/1"] = 1
				r.Relations[1].Members["hydra/1"] = 1
				r.Storage = map[string]RemoteStorage{"data/0": {Name: "data", Attached: true, Location: "/var/lib/data"}}
				return r
			},
			steps: []scenarioStep{
				{
					name: "deploy: storage-attached after pebble-ready, before config-changed",
					want: []string{
						"install",
						"peers-relation-created",
						"pg-database-relation-created",
						"leader-elected",
						"hydra-pebble-ready",
						"data-storage-attached",
						"config-changed",
						"start",
						"pg-database-relation-changed app:postgresql",
						"pg-database-relation-joined postgresql/0",
						"pg-database-relation-changed postgresql/0",
						"pg-database-relation-joined postgresql/1",
						"pg-database-relation-changed postgresql/1",
						"peers-relation-changed app:hydra",
						"peers-relation-joined hydra/1",
						"peers-relation-changed hydra/1",
					},
				},
				{
					name:   "juju remove-unit",
					change: func(w *world) { w.remote.Life = Dying },
					want: []string{
						"resign-leadership",
						"data-storage-detaching",
						"pg-database-relation-departed postgresql/0 departing hydra/0",
						"pg-database-relation-departed postgresql/1 departing hydra/0",
						"pg-database-relation-broken",
						// Juju 3.6 departs peers but never breaks a peer relation.
						"peers-relation-departed hydra/1 departing hydra/0",
						"stop",
						"remove",
					},
				},
				{
					name:   "dead: nothing more",
					change: func(w *world) { w.remote.Life = Dead },
				},
			},
		},
		{
			name:   "relations come and go while the unit lives",
			remote: hydra,
			steps: []scenarioStep{
				deploy,
				{
					name: "juju integrate with a new application",
					change: func(w *world) {
						w.remote.Relations[7] = RemoteRelation{Endpoint: "ingress", RemoteApp: "traefik", AppVersion: 1, Members: map[string]int64{"traefik/0": 1}}
					},
					want: []string{
						"ingress-relation-created",
						"ingress-relation-changed app:traefik",
						"ingress-relation-joined traefik/0",
						"ingress-relation-changed traefik/0",
					},
				},
				{
					name: "juju remove-relation",
					change: func(w *world) {
						rel := w.remote.Relations[7]
						rel.Life = Dying
						w.remote.Relations[7] = rel
					},
					want: []string{"ingress-relation-departed traefik/0 departing traefik/0", "ingress-relation-broken"},
				},
				{
					name:   "the relation document goes",
					change: func(w *world) { delete(w.remote.Relations, 7) },
				},
				{
					name: "a cross-model offer is suspended, then resumed",
					change: func(w *world) {
						rel := w.remote.Relations[3]
						rel.Suspended = true
						w.remote.Relations[3] = rel
						w.drain()
						rel.Suspended = false
						w.remote.Relations[3] = rel
					},
					want: []string{
						"pg-database-relation-created",
						"pg-database-relation-changed app:postgresql",
						"pg-database-relation-joined postgresql/0",
						"pg-database-relation-changed postgresql/0",
					},
				},
			},
		},
		{
			name:   "failing hooks: automatic retry, resolve, resolve --no-retry",
			remote: hydra,
			steps: []scenarioStep{
				{
					name: "deploy with a failing config-changed",
					change: func(w *world) {
						w.failing["config-changed"] = 2
					},
					want: []string{
						"install",
						"peers-relation-created",
						"pg-database-relation-created",
						"leader-elected",
						"hydra-pebble-ready",
						"config-changed FAILS",
					},
				},
				{
					name: "an action runs on a unit in error; nothing else does",
					change: func(w *world) {
						w.remote.Actions = []PendingAction{{ID: "1", Name: "create-client"}}
						w.remote.ConfigHash = "config-2"
						w.remote.UpdateStatusVersion++
					},
					want: []string{"action create-client"},
				},
				{
					name:   "the retry timer fires, the hook fails again",
					change: func(w *world) { w.local = Retry(w.local) },
					want:   []string{"config-changed FAILS"},
				},
				{
					name:   "the next retry succeeds and the unit carries on",
					change: func(w *world) { w.local = Retry(w.local) },
					want: []string{
						"config-changed",
						"start",
						"pg-database-relation-changed app:postgresql",
						"pg-database-relation-joined postgresql/0",
						"pg-database-relation-changed postgresql/0",
						"peers-relation-changed app:hydra",
					},
				},
				{
					name: "relation-changed fails; juju resolve --no-retry skips it",
					change: func(w *world) {
						w.remote.Relations[3].Members["postgresql/0"] = 5
						w.failing["pg-database-relation-changed postgresql/0"] = 1
						w.drain()
						l, err := Resolve(w.local, true)
						if err != nil {
							w.t.Fatal(err)
						}
						w.local = l
					},
					want: []string{"skip pg-database-relation-changed postgresql/0"},
				},
				{
					name: "start fails after a restart; juju resolve retries at once",
					change: func(w *world) {
						w.remote.Shutdown = true
						w.drain()
						w.remote.Shutdown = false
						w.local = Restart(w.local, w.remote)
						w.failing["start"] = 1
						got := w.drain()
						if want := []string{"upgrade-charm", "config-changed", "start FAILS"}; !slices.Equal(got, want) {
							w.t.Fatalf("before resolve: got %q, want %q", got, want)
						}
						l, err := Resolve(w.local, false)
						if err != nil {
							w.t.Fatal(err)
						}
						w.local = l
					},
					want: []string{"start", "hydra-pebble-ready"},
				},
			},
		},
		{
			name:   "a failed pebble-ready does not block the unit and is offered again",
			remote: hydra,
			steps: []scenarioStep{
				{
					name:   "deploy",
					change: func(w *world) { w.failing["hydra-pebble-ready"] = 1 },
					want: []string{
						"install",
						"peers-relation-created",
						"pg-database-relation-created",
						"leader-elected",
						"hydra-pebble-ready FAILS",
						"config-changed",
						"start",
						"pg-database-relation-changed app:postgresql",
						"pg-database-relation-joined postgresql/0",
						"pg-database-relation-changed postgresql/0",
						"peers-relation-changed app:hydra",
					},
				},
				{
					name:   "the poller tries again",
					change: func(w *world) { w.local = Release(w.local, "hydra") },
					want:   []string{"hydra-pebble-ready"},
				},
			},
		},
		{
			name:   "actions run between hooks, never between config-changed and its queued start",
			remote: hydra,
			steps: []scenarioStep{
				{
					name: "deploy with an action queued right after the first config-changed",
					change: func(w *world) {
						for {
							desc, _ := w.step()
							if desc == "config-changed" {
								break
							}
						}
						w.remote.Actions = []PendingAction{{ID: "a1", Name: "get-info"}, {ID: "a2", Name: "rotate-keys"}}
					},
					want: []string{
						"start",
						"action get-info",
						"action rotate-keys",
						"pg-database-relation-changed app:postgresql",
						"pg-database-relation-joined postgresql/0",
						"pg-database-relation-changed postgresql/0",
						"peers-relation-changed app:hydra",
					},
				},
				{
					name: "an action arrives between a joined and its changed: it goes first",
					change: func(w *world) {
						w.remote.Relations[3].Members["postgresql/1"] = 1
						if desc, _ := w.step(); desc != "pg-database-relation-joined postgresql/1" {
							w.t.Fatalf("got %q", desc)
						}
						w.remote.Actions = []PendingAction{{ID: "a3", Name: "get-info"}}
					},
					want: []string{"action get-info", "pg-database-relation-changed postgresql/1"},
				},
				{
					name: "a failing action is just finished",
					change: func(w *world) {
						w.remote.Actions = []PendingAction{{ID: "a4", Name: "get-info"}}
						w.failing["action get-info"] = 1
					},
					want: []string{"action get-info FAILS"},
				},
			},
		},
		{
			name:   "pebble notices and checks",
			remote: hydra,
			steps: []scenarioStep{
				deploy,
				{
					name: "custom notice, check failed, check recovered, in order",
					change: func(w *world) {
						w.remote.Containers["hydra"] = RemoteContainer{PebbleBoot: 1, Notices: []Notice{
							{Seq: 1, Kind: charm.PebbleCustomNotice, ID: "7", Type: "custom", Key: "hydra.io/keys-rotated"},
							{Seq: 2, Kind: charm.PebbleCheckFailed, Check: "alive"},
							{Seq: 3, Kind: charm.PebbleCheckRecovered, Check: "alive"},
						}}
					},
					want: []string{
						"hydra-pebble-custom-notice hydra.io/keys-rotated",
						"hydra-pebble-check-failed alive",
						"hydra-pebble-check-recovered alive",
					},
				},
				{
					name: "a repeated notice comes with a new Seq",
					change: func(w *world) {
						c := w.remote.Containers["hydra"]
						c.Notices = []Notice{{Seq: 4, Kind: charm.PebbleCustomNotice, ID: "7", Type: "custom", Key: "hydra.io/keys-rotated"}}
						w.remote.Containers["hydra"] = c
					},
					want: []string{"hydra-pebble-custom-notice hydra.io/keys-rotated"},
				},
			},
		},
		{
			name:   "shutdown of a unit that never started: no config-changed, start or stop",
			remote: hydra,
			steps: []scenarioStep{{
				name: "pod terminated right after install",
				change: func(w *world) {
					if desc, _ := w.step(); desc != "install" {
						w.t.Fatalf("got %q", desc)
					}
					w.remote.Shutdown = true
				},
				// Higher-priority ops still run; nextOp has nothing to do.
				want: []string{
					"peers-relation-created",
					"pg-database-relation-created",
					"leader-elected",
					"hydra-pebble-ready",
				},
			}},
		},
		{
			name:   "a unit in error on a shutdown still runs stop, which clears the error",
			remote: hydra,
			steps: []scenarioStep{
				deploy,
				{
					name: "config-changed fails, then the pod is terminated",
					change: func(w *world) {
						w.remote.ConfigHash = "config-2"
						w.failing["config-changed"] = 1
						w.drain()
						w.remote.Shutdown = true
					},
					want: []string{"stop"},
				},
				{
					name: "the new pod starts afresh",
					change: func(w *world) {
						w.remote.Shutdown = false
						w.local = Restart(w.local, w.remote)
					},
					want: []string{"upgrade-charm", "config-changed", "start", "hydra-pebble-ready"},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := &world{t: t, remote: tt.remote(), failing: map[string]int{}}
			for _, s := range tt.steps {
				if s.change != nil {
					s.change(w)
				}
				if got := w.drain(); !slices.Equal(got, s.want) {
					t.Fatalf("%s:\n got  %s\n want %s", s.name, strings.Join(got, "\n      "), strings.Join(s.want, "\n      "))
				}
			}
		})
	}
}
