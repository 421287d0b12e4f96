package charmtest

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/jujuc"
	"github.com/identity-platform-go/charms/internal/unitctx"
)

func testMeta() *charmcraft.Charm {
	no := false
	return &charmcraft.Charm{
		Name:       "hydra",
		Requires:   map[string]charmcraft.Endpoint{"db": {Interface: "postgresql_client"}},
		Provides:   map[string]charmcraft.Endpoint{"oauth": {Interface: "oauth"}},
		Peers:      map[string]charmcraft.Endpoint{"peers": {Interface: "hydra_peers"}},
		Containers: map[string]charmcraft.Container{"hydra": {Resource: "oci-image"}},
		Config: &charmcraft.Config{Options: map[string]charmcraft.Option{
			"port":   {Type: "int", Default: 4444},
			"dev":    {Type: "boolean", Default: false},
			"issuer": {Type: "string"},
		}},
		Actions: map[string]charmcraft.ActionSpec{
			"create-client": {
				Description: "Create an OAuth client.",
				Params: map[string]any{
					"name":   map[string]any{"type": "string"},
					"ttl":    map[string]any{"type": "integer", "default": 3600},
					"scopes": map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "default": []any{"openid"}},
				},
				Required:             []string{"name"},
				AdditionalProperties: &no,
			},
		},
	}
}

// testState has a regular relation (db, with postgresql) and a peer
// relation, both with data on every side.
func testState() State {
	return State{
		Relations: []Relation{
			{
				Endpoint: "db", ID: 1, RemoteApp: "postgresql", RemoteEndpoint: "database",
				LocalUnitData: map[string]string{"mine": "1"},
				LocalAppData:  map[string]string{"app": "1"},
				RemoteAppData: map[string]string{"endpoints": "pg:5432"},
				RemoteUnits:   map[int]map[string]string{0: {"host": "pg-0"}, 10: {"host": "pg-10"}, 2: {}},
			},
			{
				Endpoint: "peers", ID: 2,
				LocalAppData: map[string]string{"shared": "yes"},
				RemoteUnits:  map[int]map[string]string{1: {"peer": "one"}},
			},
		},
	}
}

// model is a hook context over st for ev, for driving tools by argv; st
// is the State out once the hook has ended (commit or discard).
type model struct {
	t    *testing.T
	hook *unitctx.Hook
	h    jujuc.Context
	st   *State
	logs []string
}

func newModel(t *testing.T, st State, ev charm.Event) *model {
	t.Helper()
	meta := testMeta()
	st = st.Clone()
	if err := checkState(meta, 0, &st, ev); err != nil {
		t.Fatal(err)
	}
	cfg, err := configSettings(meta, st.Config)
	if err != nil {
		t.Fatal(err)
	}
	hook, err := unitctx.Begin(unitctx.Params{
		Meta: meta, Env: charm.Env{UnitName: "hydra/0", CharmDir: t.TempDir()}, Event: ev, State: st, Config: cfg,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &model{t: t, hook: hook, h: hook.Context()}
}

// run runs a tool and returns stdout, or "ERROR …" (trimmed) with the
// exit code for failures.
func (m *model) run(tool string, args ...string) (string, int) {
	m.t.Helper()
	stdout, stderr, code := jujuc.Run(m.h, tool, args, nil)
	if code != 0 {
		return strings.TrimSuffix(string(stderr), "\n"), code
	}
	return string(stdout), 0
}

// ok runs a tool that must succeed.
func (m *model) ok(tool string, args ...string) string {
	m.t.Helper()
	out, code := m.run(tool, args...)
	if code != 0 {
		m.t.Fatalf("%s %q: %s (exit %d)", tool, args, out, code)
	}
	return out
}

// end ends the hook as dispatch did (err nil: exit 0) and keeps its
// output; it returns the commit's error.
func (m *model) end(err error) error {
	out := m.hook.End(err)
	m.st, m.logs = &out.State, out.Logs
	if err != nil {
		return nil
	}
	return out.Err
}

func (m *model) commit() {
	m.t.Helper()
	if err := m.end(nil); err != nil {
		m.t.Fatalf("commit: %v", err)
	}
}

// discard ends the hook as failed: only immediate effects stay.
func (m *model) discard() { _ = m.end(errors.New("hook failed")) }

type argvCase struct {
	name   string
	leader bool
	ev     charm.Event
	tool   string
	args   []string
	want   string
	code   int
	prefix bool // want is a prefix of the output
}

func runArgvCases(t *testing.T, st State, cases []argvCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := st.Clone()
			in.Leader = tc.leader
			ev := tc.ev
			if ev.Kind == "" {
				ev = Hook(charm.UpdateStatus)
			}
			m := newModel(t, in, ev)
			got, code := m.run(tc.tool, tc.args...)
			if tc.prefix && strings.HasPrefix(got, tc.want) {
				got = tc.want
			}
			if got != tc.want || code != tc.code {
				t.Errorf("%s %q = %q (exit %d), want %q (exit %d)", tc.tool, tc.args, got, code, tc.want, tc.code)
			}
		})
	}
}

func TestRelationVisibility(t *testing.T) {
	t.Parallel()
	st := testState()
	db := st.Relations[0]
	runArgvCases(t, st, []argvCase{
		{name: "remote unit", tool: "relation-get", args: []string{"-r", "1", "-", "postgresql/0"}, want: "host: pg-0\n"},
		{name: "remote unit never joined", tool: "relation-get", args: []string{"-r", "1", "-", "postgresql/7"}, code: 1,
			want: `ERROR cannot read settings for unit "postgresql/7" in relation "hydra:db postgresql:database": unit "postgresql/7": settings not found`},
		{name: "unit of an unrelated app", tool: "relation-get", args: []string{"-r", "1", "-", "kratos/0"}, code: 1, want: "ERROR permission denied"},
		{name: "unrelated app", tool: "relation-get", args: []string{"-r", "1", "--app", "-", "kratos"}, code: 1, want: "ERROR permission denied"},
		{name: "remote app", tool: "relation-get", args: []string{"-r", "1", "--app", "-", "postgresql"}, want: "endpoints: pg:5432\n"},
		{name: "own app needs leader", tool: "relation-get", args: []string{"-r", "1", "--app", "-", "hydra"}, code: 1, want: "ERROR permission denied"},
		{name: "own app as leader", leader: true, tool: "relation-get", args: []string{"-r", "1", "--app", "-", "hydra"}, want: "app: \"1\"\n"},
		{name: "own unit", tool: "relation-get", args: []string{"-r", "1", "mine", "hydra/0"}, want: "1\n"},
		{name: "peer app bag for non-leader", tool: "relation-get", args: []string{"-r", "2", "--app", "shared", "hydra"}, want: "yes\n"},
		{name: "peer unit", tool: "relation-get", args: []string{"-r", "peers:2", "-", "hydra/1"}, want: "peer: one\n"},
		{name: "units sorted as strings", tool: "relation-list", args: []string{"-r", "1"}, want: "postgresql/0\npostgresql/10\npostgresql/2\n"},
		{name: "peer units", tool: "relation-list", args: []string{"-r", "2", "--format=json"}, want: `["hydra/1"]` + "\n"},
		{name: "ids", tool: "relation-ids", args: []string{"db"}, want: "db:1\n"},
		{name: "hook relation defaults", ev: RelationEvent(charm.RelationChanged, db, 2), tool: "relation-get", args: []string{"--format=json"}, want: "{}\n"},
		{name: "app-level changed reads app", ev: RelationEvent(charm.RelationChanged, db, -1), tool: "relation-get", args: []string{"endpoints"}, want: "pg:5432\n"},
		{name: "broken hides relation", ev: RelationEvent(charm.RelationBroken, db, -1), tool: "relation-ids", args: []string{"db", "--format=json"}, want: "[]\n"},
		{name: "broken lists no units", ev: RelationEvent(charm.RelationBroken, db, -1), tool: "relation-list", args: []string{"--format=json"}, want: "[]\n"},
		{name: "departing unit has left", ev: RelationEvent(charm.RelationDeparted, db, 0), tool: "relation-list", want: "postgresql/10\npostgresql/2\n"},
		{name: "juju-log prefix", ev: RelationEvent(charm.RelationJoined, db, 0), tool: "juju-log", args: []string{"hello"}},
		{name: "relation-set app needs leader", tool: "relation-set", args: []string{"-r", "1", "--app", "k=v"}, code: 1, want: "ERROR cannot write relation settings"},
		{name: "network-get relation binding", tool: "network-get", args: []string{"db", "-r", "1", "--ingress-address"}, want: "10.1.0.10\n"},
		{name: "network-get unknown binding", tool: "network-get", args: []string{"nope"}, code: 1, want: `ERROR no network config found for binding "nope"`},
		{name: "network-get juju-info", tool: "network-get", args: []string{"juju-info", "--bind-address"}, want: "10.1.0.10\n"},
	})
}

func TestLeaderRules(t *testing.T) {
	t.Parallel()
	st := testState()
	cases := []argvCase{
		{name: "app status", tool: "status-set", args: []string{"--application", "active"}},
		{name: "app status read", tool: "status-get", args: []string{"--application"}, want: "unknown\n"},
		{name: "app secret", tool: "secret-add", args: []string{"password=x"}},
		{name: "app databag", tool: "relation-set", args: []string{"-r", "1", "--app", "k=v"}},
	}
	var all []argvCase
	for _, c := range cases {
		leaderCase := c
		leaderCase.name += " as leader"
		leaderCase.leader = true
		all = append(all, leaderCase)
		follower := c
		follower.name += " as follower"
		follower.code = 1
		switch c.tool {
		case "relation-set":
			follower.want = "ERROR cannot write relation settings"
		case "status-get":
			follower.want = "ERROR finding application status: this unit is not the leader"
		default:
			follower.want = "ERROR this unit is not the leader"
		}
		all = append(all, follower)
	}
	// secret-add prints a fresh ID: compare its prefix.
	for i := range all {
		if all[i].tool == "secret-add" && all[i].leader {
			all[i].want, all[i].prefix = "secret:", true
		}
	}
	all = append(all, argvCase{name: "unit secret as follower", tool: "secret-add", args: []string{"--owner", "unit", "password=x"}, want: "secret:", prefix: true})
	runArgvCases(t, st, all)
}

func TestCommitAndDiscard(t *testing.T) {
	t.Parallel()
	for _, commit := range []bool{true, false} {
		t.Run(map[bool]string{true: "commit", false: "discard"}[commit], func(t *testing.T) {
			t.Parallel()
			in := testState()
			in.Leader = true
			in.Stored = map[string]string{"old": "1"}
			in.OpenedPorts = []Port{{Protocol: "tcp", From: 80, To: 80}}
			m := newModel(t, in, Hook(charm.ConfigChanged))

			m.ok("relation-set", "-r", "1", "a=b", "mine=")
			m.ok("relation-set", "-r", "1", "--app", "k=v")
			m.ok("state-set", "x=1")
			m.ok("state-delete", "old")
			m.ok("open-port", "8080")
			m.ok("close-port", "80")
			id := strings.TrimSpace(m.ok("secret-add", "--label", "creds", "password=p"))
			m.ok("status-set", "active", "ready")
			m.ok("application-version-set", "2.0")
			m.ok("juju-log", "hi")

			// The hook sees its own pending changes.
			for _, c := range []struct{ tool, want string }{
				{"relation-get -r 1 - hydra/0", "a: b\n"},
				{"state-get --format=json", `{"x":"1"}` + "\n"},
				{"opened-ports", "8080/tcp\n"},
				{"secret-get --label creds --format=json", `{"password":"p"}` + "\n"},
				{"secret-get " + id + " password", "p\n"},
				{"secret-ids", strings.TrimPrefix(id, "secret:") + "\n"},
			} {
				f := strings.Fields(c.tool)
				if got := m.ok(f[0], f[1:]...); got != c.want {
					t.Errorf("%s = %q, want %q", c.tool, got, c.want)
				}
			}
			if commit {
				m.commit()
			} else {
				m.discard()
			}

			st := m.st
			// Immediate effects stay either way.
			if st.UnitStatus != (Status{Name: "active", Message: "ready"}) || st.WorkloadVersion != "2.0" {
				t.Errorf("status %+v version %q", st.UnitStatus, st.WorkloadVersion)
			}
			if !reflect.DeepEqual(m.logs, []string{"INFO hi"}) {
				t.Errorf("logs = %q", m.logs)
			}
			db := st.Relations[0]
			if !commit {
				if !reflect.DeepEqual(db.LocalUnitData, map[string]string{"mine": "1"}) || db.LocalAppData["k"] != "" ||
					!reflect.DeepEqual(st.Stored, map[string]string{"old": "1"}) || len(st.Secrets) != 0 ||
					!reflect.DeepEqual(st.OpenedPorts, []Port{{Protocol: "tcp", From: 80, To: 80}}) {
					t.Errorf("discarded run changed the state: %+v", st)
				}
				return
			}
			if !reflect.DeepEqual(db.LocalUnitData, map[string]string{"a": "b"}) {
				t.Errorf("unit data = %v", db.LocalUnitData)
			}
			if !reflect.DeepEqual(db.LocalAppData, map[string]string{"app": "1", "k": "v"}) {
				t.Errorf("app data = %v", db.LocalAppData)
			}
			if !reflect.DeepEqual(st.Stored, map[string]string{"x": "1"}) {
				t.Errorf("stored = %v", st.Stored)
			}
			if !reflect.DeepEqual(st.OpenedPorts, []Port{{Protocol: "tcp", From: 8080, To: 8080}}) {
				t.Errorf("ports = %+v", st.OpenedPorts)
			}
			want := Secret{ID: id, Owner: "application", Label: "creds", Revision: 1, Content: map[string]string{"password": "p"}}
			if len(st.Secrets) != 1 || !reflect.DeepEqual(st.Secrets[0], want) {
				t.Errorf("secrets = %+v, want %+v", st.Secrets, want)
			}
		})
	}
}

func TestPorts(t *testing.T) {
	t.Parallel()
	in := State{OpenedPorts: []Port{{Protocol: "tcp", From: 80, To: 80}, {Protocol: "icmp"}}}
	m := newModel(t, in, Hook(charm.ConfigChanged))
	m.ok("open-port", "80")   // already open: no-op
	m.ok("open-port", "8080") // new
	m.ok("open-port", "8080") // twice: no-op
	m.ok("open-port", "9090", "--endpoints", "oauth")
	m.ok("close-port", "icmp")
	if got, code := m.run("open-port", "1000-2000/udp"); code != 1 || got != "ERROR port ranges are not supported for k8s applications, please specify a single port" {
		t.Errorf("range: %q (%d)", got, code)
	}
	if got := m.ok("opened-ports", "--endpoints"); got != "80/tcp (*)\n8080/tcp (*)\n9090/tcp (oauth)\n" {
		t.Errorf("opened-ports = %q", got)
	}
	m.commit()
	want := []Port{{Protocol: "tcp", From: 80, To: 80}, {Protocol: "tcp", From: 8080, To: 8080}, {Protocol: "tcp", From: 9090, To: 9090, Endpoints: []string{"oauth"}}}
	if !reflect.DeepEqual(m.st.OpenedPorts, want) {
		t.Errorf("ports = %+v, want %+v", m.st.OpenedPorts, want)
	}
}

const consumedID = "secret:d0f3h5ltmf1s4kmdpt3g"

func TestSecretReads(t *testing.T) {
	t.Parallel()
	consumer := func(tracked int) State {
		st := testState()
		st.Secrets = []Secret{{
			ID: consumedID, Label: "oidc", Revision: 2, Content: map[string]string{"client-secret": "new"},
			TrackedRevision: tracked, TrackedContent: map[string]string{"client-secret": "old"},
		}}
		return st
	}
	for _, tc := range []struct {
		name        string
		st          State
		args        []string
		want        string
		code        int
		wantTracked int
	}{
		{name: "tracked revision", st: consumer(1), args: []string{consumedID, "client-secret"}, want: "old\n", wantTracked: 1},
		{name: "peek", st: consumer(1), args: []string{consumedID, "client-secret", "--peek"}, want: "new\n", wantTracked: 1},
		{name: "refresh", st: consumer(1), args: []string{consumedID, "client-secret", "--refresh"}, want: "new\n", wantTracked: 2},
		{name: "first read tracks latest", st: consumer(0), args: []string{consumedID, "client-secret"}, want: "new\n", wantTracked: 2},
		{name: "consumer label", st: consumer(2), args: []string{"--label", "oidc", "--format=json"}, want: `{"client-secret":"new"}` + "\n", wantTracked: 2},
		{name: "unknown label", st: consumer(2), args: []string{"--label", "nope"}, code: 1, want: `ERROR consumer label "nope" not found`, wantTracked: 2},
		{name: "not granted", st: testState(), args: []string{"secret:cu9h1q4tmf1s4kmdpt30"}, code: 1, want: "ERROR permission denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newModel(t, tc.st, Hook(charm.UpdateStatus))
			got, code := m.run("secret-get", tc.args...)
			if got != tc.want || code != tc.code {
				t.Errorf("secret-get %q = %q (%d), want %q (%d)", tc.args, got, code, tc.want, tc.code)
			}
			// Tracking is saved at once, even if the hook then fails.
			m.discard()
			if len(m.st.Secrets) > 0 && m.st.Secrets[0].TrackedRevision != tc.wantTracked {
				t.Errorf("tracked = %d, want %d", m.st.Secrets[0].TrackedRevision, tc.wantTracked)
			}
		})
	}
}

func TestSecretManagement(t *testing.T) {
	t.Parallel()
	owned := func(leader bool) State {
		st := testState()
		st.Leader = leader
		st.Secrets = []Secret{
			{ID: consumedID, Owner: "application", Label: "creds", Revision: 1, Content: map[string]string{"password": "p1"}, Grants: map[int][]string{1: {"postgresql"}}},
			{ID: "secret:cu9h1q4tmf1s4kmdpt30", Owner: "unit", Label: "mine", Revision: 3, Content: map[string]string{"key": "k"}},
		}
		return st
	}
	t.Run("set makes a revision, same content does not", func(t *testing.T) {
		t.Parallel()
		m := newModel(t, owned(true), Hook(charm.UpdateStatus))
		m.ok("secret-set", consumedID, "password=p1", "--description", "db")
		m.ok("secret-set", "cu9h1q4tmf1s4kmdpt30", "key=k2")
		m.commit()
		if s := m.st.Secrets[0]; s.Revision != 1 || s.Description != "db" {
			t.Errorf("unchanged content made a revision: %+v", s)
		}
		if s := m.st.Secrets[1]; s.Revision != 4 || s.Content["key"] != "k2" {
			t.Errorf("new content: %+v", s)
		}
	})
	t.Run("follower sees only its own secrets", func(t *testing.T) {
		t.Parallel()
		m := newModel(t, owned(false), Hook(charm.UpdateStatus))
		if got := m.ok("secret-ids"); got != "cu9h1q4tmf1s4kmdpt30\n" {
			t.Errorf("secret-ids = %q", got)
		}
		// But it may read its application's secret by owner label.
		if got := m.ok("secret-get", "--label", "creds", "--format=json"); got != `{"password":"p1"}`+"\n" {
			t.Errorf("secret-get = %q", got)
		}
		// secret-set on it passes the tool, and the controller refuses it.
		m.ok("secret-set", consumedID, "password=p2")
		if err := m.end(nil); err == nil || err.Error() != "cannot apply changes: permission denied" || !errors.Is(err, unitctx.ErrCommit) {
			t.Errorf("commit = %v", err)
		}
	})
	t.Run("grant, info and revoke", func(t *testing.T) {
		t.Parallel()
		m := newModel(t, owned(true), Hook(charm.UpdateStatus))
		m.ok("secret-grant", "cu9h1q4tmf1s4kmdpt30", "-r", "1", "--unit", "postgresql/0")
		want := "cu9h1q4tmf1s4kmdpt30:\n  revision: 3\n  label: mine\n  owner: unit\n  access:\n  - target: unit-postgresql-0\n    scope: relation-hydra.db#postgresql.database\n    role: view\n"
		if got := m.ok("secret-info-get", "--label", "mine"); got != want {
			t.Errorf("secret-info-get = %q, want %q", got, want)
		}
		m.ok("secret-revoke", consumedID, "--app", "postgresql")
		if got := m.ok("secret-info-get", consumedID, "--format=json"); got != `{"d0f3h5ltmf1s4kmdpt3g":{"revision":1,"label":"creds","owner":"application"}}`+"\n" {
			t.Errorf("after revoke: %q", got)
		}
		m.commit()
		if g := m.st.Secrets[0].Grants; len(g) != 0 {
			t.Errorf("grants after revoke = %v", g)
		}
		if g := m.st.Secrets[1].Grants; !reflect.DeepEqual(g, map[int][]string{1: {"postgresql/0"}}) {
			t.Errorf("grants = %v", g)
		}
	})
	t.Run("grant unknown secret", func(t *testing.T) {
		t.Parallel()
		m := newModel(t, owned(false), Hook(charm.UpdateStatus))
		if got, code := m.run("secret-grant", consumedID, "-r", "1"); code != 1 || got != `ERROR secret "d0f3h5ltmf1s4kmdpt3g" not found` {
			t.Errorf("grant = %q (%d)", got, code)
		}
	})
	t.Run("remove", func(t *testing.T) {
		t.Parallel()
		m := newModel(t, owned(true), Hook(charm.UpdateStatus))
		m.ok("secret-remove", consumedID)
		m.ok("secret-remove", "cu9h1q4tmf1s4kmdpt30", "--revision", "2")
		m.commit()
		if !m.st.Secrets[0].RemovedAll || !reflect.DeepEqual(m.st.Secrets[1].RemovedRevisions, []int{2}) {
			t.Errorf("secrets = %+v", m.st.Secrets)
		}
	})
	t.Run("duplicate label refused at commit", func(t *testing.T) {
		t.Parallel()
		m := newModel(t, owned(true), Hook(charm.UpdateStatus))
		m.ok("secret-add", "--label", "creds", "password=x")
		if err := m.end(nil); err == nil || err.Error() != `cannot apply changes: secret with label "creds" already exists` {
			t.Errorf("commit = %v", err)
		}
		if len(m.st.Secrets) != 2 {
			t.Errorf("refused commit applied a secret")
		}
	})
}

func TestStateQuota(t *testing.T) {
	t.Parallel()
	m := newModel(t, State{}, Hook(charm.ConfigChanged))
	if got, code := m.run("state-set", strings.Repeat("k", 257)+"=v"); code != 1 || got != "ERROR max allowed key length (256) exceeded" {
		t.Errorf("state-set = %q (%d)", got, code)
	}
	if got := m.ok("state-get", "--format=json"); got != "null\n" {
		t.Errorf("state-get = %q", got)
	}
}

func TestConfigAndGoalState(t *testing.T) {
	t.Parallel()
	in := testState()
	in.Config = map[string]any{"dev": true}
	m := newModel(t, in, Hook(charm.ConfigChanged))
	if got := m.ok("config-get", "--format=json"); got != `{"dev":true,"port":4444}`+"\n" {
		t.Errorf("config-get = %q", got)
	}
	if got := m.ok("config-get", "--all", "--format=json"); got != `{"dev":true,"issuer":null,"port":4444}`+"\n" {
		t.Errorf("config-get --all = %q", got)
	}
	want := `{"units":{"hydra/0":{"status":"active"},"hydra/1":{"status":"active"}},"relations":{"db":{"postgresql":{"status":"joined"},"postgresql/0":{"status":"active"},"postgresql/10":{"status":"active"},"postgresql/2":{"status":"active"}},"peers":{"hydra/1":{"status":"active"}}}}` + "\n"
	if got := m.ok("goal-state", "--format=json"); got != want {
		t.Errorf("goal-state = %q", got)
	}
}
