package main

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/interfaces/postgresqlclient"
)

const (
	unit0     = "postgresql-k8s/0"
	peerID    = 1
	relID     = 5
	clientApp = "pgclient"
	clientDB  = "test-model_pgclient"
	// wantEndpoint is the application's service in the harness's model.
	wantEndpoint = "postgresql-k8s.test-model.svc.cluster.local:5432"
)

func newContext(t testing.TB, f *fakeServer) *charmtest.Context {
	t.Helper()
	meta, err := charmcraft.Load("charmcraft.yaml")
	if err != nil {
		t.Fatalf("loading charmcraft.yaml: %v", err)
	}
	return &charmtest.Context{Charm: f.charm(), Meta: meta}
}

// peers is the peer relation; primary is the unit recorded as holding
// the cluster ("" for none); others are the other units' numbers.
func peers(primary string, others ...int) charmtest.Relation {
	bag := map[string]string{}
	if primary != "" {
		bag[peerKeyPrimary] = primary
		bag[peerKeyInitialised] = "True"
	}
	units := map[int]map[string]string{}
	for _, n := range others {
		units[n] = map[string]string{}
	}
	return charmtest.Relation{Endpoint: peerEndpoint, ID: peerID, LocalAppData: bag, RemoteUnits: units}
}

// pgContainer is the postgresql container: Pebble up, the commands the
// charm runs answered with success.
func pgContainer() charmtest.Container {
	return charmtest.Container{Name: containerName, CanConnect: true, Execs: []charmtest.Exec{
		{Command: []string{"install"}}, {Command: []string{pgBin + "initdb"}}, {Command: []string{"rm"}}, {Command: []string{pgBin + "psql"}},
	}}
}

// request is a requirer's application databag asking for db.
func request(t testing.TB, db string, roles ...string) map[string]string {
	t.Helper()
	app, _, err := postgresqlclient.EncodeRequest(postgresqlclient.Request{Database: db, ExtraUserRoles: roles})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func clientRelation(id int, remote map[string]string) charmtest.Relation {
	return charmtest.Relation{Endpoint: endpoint, ID: id, RemoteApp: clientApp, RemoteAppData: remote, RemoteUnits: map[int]map[string]string{0: {}}}
}

func relationByID(st charmtest.State, id int) charmtest.Relation {
	for _, r := range st.Relations {
		if r.ID == id {
			return r
		}
	}
	return charmtest.Relation{}
}

func containerOf(st charmtest.State) charmtest.Container {
	for _, c := range st.Containers {
		if c.Name == containerName {
			return c
		}
	}
	return charmtest.Container{}
}

func secretByLabel(st charmtest.State, label string) (charmtest.Secret, bool) {
	for _, s := range st.Secrets {
		if s.Label == label && !s.RemovedAll {
			return s, true
		}
	}
	return charmtest.Secret{}, false
}

func ran(c charmtest.Container, argv0 string) bool {
	return slices.ContainsFunc(c.ExecLog, func(cmd []string) bool { return len(cmd) > 0 && cmd[0] == argv0 })
}

// bootstrap runs a fresh leader's first hook and returns the state a
// serving primary then has.
func bootstrap(t *testing.T, ctx *charmtest.Context, relations ...charmtest.Relation) charmtest.State {
	t.Helper()
	in := charmtest.State{Leader: true, Relations: append([]charmtest.Relation{peers("")}, relations...), Containers: []charmtest.Container{pgContainer()}}
	out := ctx.Run(t, charmtest.Hook(charm.ConfigChanged), in)
	if out.Err != nil {
		t.Fatalf("bootstrap: %v", out.Err)
	}
	if want := (charmtest.Status{Name: "active", Message: msgPrimary}); out.State.UnitStatus != want {
		t.Fatalf("bootstrap: status %+v, want %+v\nlogs: %q", out.State.UnitStatus, want, out.Logs)
	}
	// initdb is faked: the data directory now exists.
	st := out.State
	ctr := &st.Containers[0]
	ctr.Files[pgData+"/PG_VERSION"] = charmtest.File{Content: []byte("15\n"), Permissions: 0o600}
	ctr.ExecLog = nil
	return st
}

func TestBootstrap(t *testing.T) {
	t.Parallel()
	f := newFakeServer()
	ctx := newContext(t, f)
	in := charmtest.State{Leader: true, Relations: []charmtest.Relation{peers("")}, Containers: []charmtest.Container{pgContainer()}}
	out := ctx.Run(t, charmtest.Hook(charm.ConfigChanged), in)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	st := out.State
	want := charmtest.Status{Name: "active", Message: msgPrimary}
	if st.UnitStatus != want || st.AppStatus != want {
		t.Errorf("unit %+v app %+v, want %+v", st.UnitStatus, st.AppStatus, want)
	}
	sec, ok := secretByLabel(st, systemSecretLabel)
	if !ok || sec.Owner != "application" || len(sec.Content[operatorKey]) < 20 {
		t.Fatalf("system-users secret: %+v", sec)
	}
	ctr := containerOf(st)
	var initdb []string
	for _, cmd := range ctr.ExecLog {
		if cmd[0] == pgBin+"initdb" {
			initdb = cmd
		}
	}
	if !slices.Contains(initdb, pgData) || !slices.Contains(initdb, operatorUser) || !slices.Contains(initdb, "--auth-host=scram-sha-256") {
		t.Errorf("initdb command %q", initdb)
	}
	if !ran(ctr, "rm") {
		t.Error("the initdb password file was not removed")
	}
	for _, path := range []string{"postgresql.conf", "pg_hba.conf", "pg_ident.conf"} {
		file, ok := ctr.Files[pgData+"/"+path]
		if !ok || file.User != "postgres" || file.Permissions != 0o600 {
			t.Errorf("%s: %+v", path, file)
		}
	}
	if conf := string(ctr.Files[pgData+"/postgresql.conf"].Content); !strings.Contains(conf, "unix_socket_directories = '/tmp'") ||
		!strings.Contains(conf, "password_encryption = 'scram-sha-256'") || !strings.Contains(conf, "authentication_timeout = '60s'") {
		t.Errorf("postgresql.conf:\n%s", conf)
	}
	if ctr.Services[serviceName] != "active" || !strings.Contains(ctr.Layers[layerLabel], "pg_isready") {
		t.Errorf("service %q, layer:\n%s", ctr.Services[serviceName], ctr.Layers[layerLabel])
	}
	if got := relationByID(st, peerID).LocalAppData; got[peerKeyPrimary] != unit0 || got[peerKeyInitialised] != "True" {
		t.Errorf("peer data %v", got)
	}
	if !slices.ContainsFunc(st.OpenedPorts, func(p charmtest.Port) bool { return p.Protocol == "tcp" && p.From == 5432 }) {
		t.Errorf("opened ports %+v", st.OpenedPorts)
	}
	if st.WorkloadVersion != "15.18" || st.Stored[stateVersion] != "15.18" || st.Stored[stateApplied] == "" {
		t.Errorf("workload version %q, stored %v", st.WorkloadVersion, st.Stored)
	}
	ops, _, _, _ := f.snapshot()
	if !slices.Contains(ops, "create group admin") {
		t.Errorf("ops %q", ops)
	}
	assertNoSecretLeak(t, out, sec.Content[operatorKey])

	// The next hook finds the cluster there and leaves it alone.
	st.Containers[0].Files[pgData+"/PG_VERSION"] = charmtest.File{Content: []byte("15\n")}
	st.Containers[0].ExecLog = nil
	out = ctx.Run(t, charmtest.Hook(charm.UpdateStatus), st)
	if out.Err != nil || out.State.UnitStatus != want {
		t.Fatalf("update-status: %v %+v", out.Err, out.State.UnitStatus)
	}
	if c := containerOf(out.State); len(c.ExecLog) != 0 {
		t.Errorf("update-status ran %q", c.ExecLog)
	}
}

func TestDatabaseRelation(t *testing.T) {
	t.Parallel()
	f := newFakeServer()
	ctx := newContext(t, f)
	st := bootstrap(t, ctx, clientRelation(relID, request(t, clientDB, "SUPERUSER")))

	rel := relationByID(st, relID)
	bag := rel.LocalAppData
	for k, v := range map[string]string{
		"database": clientDB, "endpoints": wantEndpoint, "read-only-endpoints": wantEndpoint, "version": "15.18",
	} {
		if bag[k] != v {
			t.Errorf("databag %s = %q, want %q", k, bag[k], v)
		}
	}
	if bag["password"] != "" || bag["username"] != "" || bag["secret-user"] == "" {
		t.Errorf("credentials not in a secret: %v", bag)
	}
	sec, ok := secretByLabel(st, "database.5.user.secret")
	if !ok {
		t.Fatalf("no user secret in %+v", st.Secrets)
	}
	user, pw := sec.Content["username"], sec.Content["password"]
	if user != "relation_id_5" || len(pw) < 20 {
		t.Errorf("secret content user=%q password len %d", user, len(pw))
	}
	if want := "postgresql://relation_id_5:" + pw + "@" + wantEndpoint + "/" + clientDB; sec.Content["uris"] != want {
		t.Errorf("uris = %q", sec.Content["uris"])
	}
	if !slices.Contains(sec.Grants[relID], clientApp) {
		t.Errorf("secret grants %v", sec.Grants)
	}
	_, users, dbs, _ := f.snapshot()
	if u := users["relation_id_5"]; !u.Superuser || u.Password != pw || u.CreateDB {
		t.Errorf("role %+v", u)
	}
	if d := dbs[clientDB]; d.User != "relation_id_5" || !d.Sole || !slices.Equal(d.GrantTo, []string{adminRole}) {
		t.Errorf("database %+v", d)
	}
	hba := string(containerOf(st).Files[pgData+"/pg_hba.conf"].Content)
	if !strings.Contains(hba, `host "test-model_pgclient" "relation_id_5" all scram-sha-256`) {
		t.Errorf("pg_hba.conf:\n%s", hba)
	}

	// Steady state: update-status neither connects nor rewrites.
	_, _, _, dials := f.snapshot()
	out := ctx.Run(t, charmtest.Hook(charm.UpdateStatus), st)
	if out.Err != nil || out.State.UnitStatus.Message != msgPrimary {
		t.Fatalf("update-status: %v %+v", out.Err, out.State.UnitStatus)
	}
	if _, _, _, after := f.snapshot(); after != dials {
		t.Errorf("update-status dialled the server (%d -> %d)", dials, after)
	}
	if s, _ := secretByLabel(out.State, "database.5.user.secret"); s.Revision != sec.Revision || s.Content["password"] != pw {
		t.Error("update-status changed the relation's secret")
	}

	// The relation goes: the role is dropped, its secret removed, its
	// pg_hba.conf line gone; the database stays.
	out = ctx.Run(t, charmtest.RelationEvent(charm.RelationBroken, rel, -1), out.State)
	if out.Err != nil || out.State.UnitStatus.Message != msgPrimary {
		t.Fatalf("relation-broken: %v %+v %q", out.Err, out.State.UnitStatus, out.Logs)
	}
	ops, users, dbs, _ := f.snapshot()
	if _, ok := users["relation_id_5"]; ok || !slices.Contains(ops, "drop user relation_id_5 to operator") {
		t.Errorf("role not dropped: %q", ops)
	}
	if _, ok := dbs[clientDB]; !ok {
		t.Error("database dropped")
	}
	if _, ok := secretByLabel(out.State, "database.5.user.secret"); ok {
		t.Error("the relation's secret was not removed")
	}
	if hba := string(containerOf(out.State).Files[pgData+"/pg_hba.conf"].Content); strings.Contains(hba, "relation_id_5") {
		t.Errorf("pg_hba.conf still lets the user in:\n%s", hba)
	}
	if !slices.Contains(ops, "reload") {
		t.Errorf("pg_hba.conf changed without a reload: %q", ops)
	}
}

func TestReconcile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// in builds the state from a bootstrapped primary (nil: a fresh
		// unit with the peer relation and the container).
		in     func(t *testing.T, ready charmtest.State) charmtest.State
		server func(f *fakeServer)
		event  func(st charmtest.State) charm.Event
		want   charmtest.Status
		check  func(t *testing.T, f *fakeServer, out charmtest.Output)
	}{{
		name: "non-leader: no PostgreSQL, storage untouched",
		in: func(t *testing.T, _ charmtest.State) charmtest.State {
			return charmtest.State{Relations: []charmtest.Relation{peers("postgresql-k8s/1", 1)}, Containers: []charmtest.Container{pgContainer()}}
		},
		want: charmtest.Status{Name: "blocked", Message: msgStandby},
		check: func(t *testing.T, f *fakeServer, out charmtest.Output) {
			c := containerOf(out.State)
			if len(c.ExecLog) != 0 || len(c.Files) != 0 || len(c.Layers) != 0 {
				t.Errorf("a standby touched its container: %+v", c)
			}
			if _, _, _, dials := f.snapshot(); dials != 0 {
				t.Error("a standby connected to PostgreSQL")
			}
		},
	}, {
		name: "non-leader that holds the data",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Leader = false
			ready.Relations[0].RemoteUnits = map[int]map[string]string{1: {}}
			return ready
		},
		want: charmtest.Status{Name: "blocked", Message: msgLostLeader},
		check: func(t *testing.T, _ *fakeServer, out charmtest.Output) {
			if c := containerOf(out.State); c.Services[serviceName] != "active" {
				t.Errorf("the server was stopped: %v", c.Services)
			}
		},
	}, {
		name: "leader whose data is on another unit does not initialise",
		in: func(t *testing.T, _ charmtest.State) charmtest.State {
			return charmtest.State{Leader: true, Relations: []charmtest.Relation{peers("postgresql-k8s/1", 1)}, Containers: []charmtest.Container{pgContainer()}}
		},
		want: charmtest.Status{Name: "blocked", Message: "Standby replicas are not supported yet: the database is on postgresql-k8s/1, which is not the leader"},
		check: func(t *testing.T, _ *fakeServer, out charmtest.Output) {
			if c := containerOf(out.State); len(c.ExecLog) != 0 {
				t.Errorf("ran %q", c.ExecLog)
			}
		},
	}, {
		name: "a second planned unit: degraded",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Relations[0].RemoteUnits = map[int]map[string]string{1: {}}
			return ready
		},
		want: charmtest.Status{Name: "active", Message: msgDegraded},
	}, {
		name: "bad config",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Config = map[string]any{"experimental_max_connections": 3}
			return ready
		},
		want: charmtest.Status{Name: "blocked", Message: "Configuration Error: experimental_max_connections must be a whole number from 10 to 10000 (connections)"},
	}, {
		name: "Pebble not up yet",
		in: func(t *testing.T, _ charmtest.State) charmtest.State {
			return charmtest.State{Leader: true, Relations: []charmtest.Relation{peers("")}, Containers: []charmtest.Container{{Name: containerName}}}
		},
		want: charmtest.Status{Name: "waiting", Message: msgNoPebble},
	}, {
		name: "initdb fails",
		in: func(t *testing.T, _ charmtest.State) charmtest.State {
			ctr := pgContainer()
			ctr.Execs = append([]charmtest.Exec{{Command: []string{pgBin + "initdb"}, ExitCode: 1, Stderr: "initdb: error: directory exists but is not empty\n"}}, ctr.Execs...)
			return charmtest.State{Leader: true, Relations: []charmtest.Relation{peers("")}, Containers: []charmtest.Container{ctr}}
		},
		want: charmtest.Status{Name: "blocked", Message: msgInitFailed + ": initdb exited with status 1: initdb: error: directory exists but is not empty"},
		check: func(t *testing.T, _ *fakeServer, out charmtest.Output) {
			if !ran(containerOf(out.State), "rm") {
				t.Error("the password file was left behind")
			}
		},
	}, {
		name:   "server not accepting connections",
		server: func(f *fakeServer) { f.down = true },
		event:  func(charmtest.State) charm.Event { return charmtest.PebbleReadyEvent(containerName) },
		want:   charmtest.Status{Name: "waiting", Message: msgAwaitMember},
	}, {
		name: "readiness check down on a quiet hook",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Containers[0].Checks = map[string]charmtest.Check{checkName: {Status: "down", Failures: 3}}
			return ready
		},
		event: func(charmtest.State) charm.Event { return charmtest.Hook(charm.UpdateStatus) },
		want:  charmtest.Status{Name: "waiting", Message: msgAwaitMember},
	}, {
		name: "service stopped: restarted",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Containers[0].Services[serviceName] = "inactive"
			return ready
		},
		event: func(charmtest.State) charm.Event { return charmtest.Hook(charm.UpdateStatus) },
		want:  charmtest.Status{Name: "active", Message: msgPrimary},
		check: func(t *testing.T, _ *fakeServer, out charmtest.Output) {
			if c := containerOf(out.State); c.Services[serviceName] != "active" {
				t.Errorf("service %v", c.Services)
			}
			if !containsLine(out.Logs, "was not running") {
				t.Errorf("logs %q", out.Logs)
			}
		},
	}, {
		name: "the server refuses the operator's password: reset over the socket",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Containers[0].ExecLog = nil
			return ready
		},
		server: func(f *fakeServer) { f.operatorPassword = "something-else" },
		event:  func(charmtest.State) charm.Event { return charmtest.PebbleReadyEvent(containerName) },
		// The fake server does not see psql's change: still refused.
		want: charmtest.Status{Name: "waiting", Message: msgAwaitMember},
		check: func(t *testing.T, _ *fakeServer, out charmtest.Output) {
			var psql []string
			for _, cmd := range containerOf(out.State).ExecLog {
				if cmd[0] == pgBin+"psql" {
					psql = cmd
				}
			}
			if !slices.Equal(psql, []string{pgBin + "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "/tmp", "-p", "5432", "-U", "operator", "-d", "postgres", "-f", "-"}) {
				t.Errorf("psql %q", psql)
			}
		},
	}, {
		name: "extra-user-roles that are no role",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Relations = append(ready.Relations, clientRelation(relID, request(t, clientDB, "SUPERUSER", "foo")))
			return ready
		},
		want: charmtest.Status{Name: "blocked", Message: "invalid role(s) for extra user roles: foo (asked for by pgclient)"},
		check: func(t *testing.T, f *fakeServer, out charmtest.Output) {
			if bag := relationByID(out.State, relID).LocalAppData; bag["secret-user"] != "" || bag["database"] != "" {
				t.Errorf("published %v", bag)
			}
			if _, users, _, _ := f.snapshot(); len(users) != 0 {
				t.Errorf("users %v", users)
			}
			if out.State.Stored[stateApplied] != "" {
				t.Error("a blocked relation was recorded as applied")
			}
		},
	}, {
		name: "extra-user-roles: the charm's own users are refused",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Relations = append(ready.Relations, clientRelation(relID, request(t, clientDB, "operator", "relation_id_2")))
			return ready
		},
		want: charmtest.Status{Name: "blocked", Message: "invalid role(s) for extra user roles: operator, relation_id_2 (asked for by pgclient)"},
	}, {
		name: "extra-user-roles: privileges, admin and an existing role",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Relations = append(ready.Relations, clientRelation(relID, request(t, clientDB, "createrole", "Admin", "reporting")))
			return ready
		},
		server: func(f *fakeServer) { f.groups["reporting"] = true },
		want:   charmtest.Status{Name: "active", Message: msgPrimary},
		check: func(t *testing.T, f *fakeServer, out charmtest.Output) {
			_, users, _, _ := f.snapshot()
			u := users["relation_id_5"]
			if u.Superuser || !u.CreateDB || !u.CreateRole || !slices.Equal(u.MemberOf, []string{"admin", "reporting"}) {
				t.Errorf("user %+v", u)
			}
		},
	}, {
		name: "database prefix requests are refused",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Relations = append(ready.Relations, clientRelation(relID, request(t, "pgclient_*")))
			return ready
		},
		want: charmtest.Status{Name: "blocked", Message: msgRelationFailed + ": pgclient asked for a database prefix, which is not supported"},
	}, {
		name: "PostgreSQL's own database is refused",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Relations = append(ready.Relations, clientRelation(relID, request(t, "template1")))
			return ready
		},
		want: charmtest.Status{Name: "blocked", Message: msgRelationFailed + ": pgclient asked for database template1, which is PostgreSQL's own"},
	}, {
		name: "malformed request",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Relations = append(ready.Relations, clientRelation(relID, map[string]string{"database": "x", "requested-secrets": "{"}))
			return ready
		},
		want: charmtest.Status{Name: "blocked", Message: msgRelationFailed + `: pgclient: key "requested-secrets": invalid JSON: unexpected end of JSON input`},
	}, {
		name: "requirer has not asked yet: endpoints only",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Relations = append(ready.Relations, clientRelation(relID, nil))
			return ready
		},
		want: charmtest.Status{Name: "active", Message: msgPrimary},
		check: func(t *testing.T, _ *fakeServer, out charmtest.Output) {
			bag := relationByID(out.State, relID).LocalAppData
			if bag["endpoints"] != wantEndpoint || bag["read-only-endpoints"] != wantEndpoint || bag["database"] != "" || bag["secret-user"] != "" {
				t.Errorf("databag %v", bag)
			}
		},
	}, {
		name: "two relations on one database: neither owns it",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			other := clientRelation(relID+1, request(t, clientDB))
			other.RemoteApp = "other"
			ready.Relations = append(ready.Relations, clientRelation(relID, request(t, clientDB)), other)
			return ready
		},
		want: charmtest.Status{Name: "active", Message: msgPrimary},
		check: func(t *testing.T, f *fakeServer, out charmtest.Output) {
			ops, _, _, _ := f.snapshot()
			for _, want := range []string{"ensure database test-model_pgclient user=relation_id_5 sole=false", "ensure database test-model_pgclient user=relation_id_6 sole=false"} {
				if !slices.Contains(ops, want) {
					t.Errorf("ops %q lack %q", ops, want)
				}
			}
		},
	}, {
		name: "plugins enabled in the relation's database",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Config = map[string]any{"plugin_pg_trgm_enable": true, "plugin_btree_gin_enable": true}
			ready.Relations = append(ready.Relations, clientRelation(relID, request(t, clientDB)))
			return ready
		},
		want: charmtest.Status{Name: "active", Message: msgPrimary},
		check: func(t *testing.T, f *fakeServer, out charmtest.Output) {
			_, _, dbs, _ := f.snapshot()
			if ext := dbs[clientDB].Extensions; !ext["pg_trgm"] || !ext["btree_gin"] {
				t.Errorf("extensions %v", ext)
			}
		},
	}, {
		name: "disabling a plugin objects depend on",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Relations = append(ready.Relations, clientRelation(relID, request(t, clientDB)))
			return ready
		},
		server: func(f *fakeServer) { f.inUse["pg_trgm"] = true },
		want:   charmtest.Status{Name: "blocked", Message: msgPluginsInUse},
	}, {
		name: "a relation user that cannot be dropped",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			return ready
		},
		server: func(f *fakeServer) {
			f.users["relation_id_3"] = pgUser("relation_id_3")
			f.failDrop = true
		},
		event: func(charmtest.State) charm.Event { return charmtest.Hook(charm.LeaderElected) },
		want:  charmtest.Status{Name: "blocked", Message: msgDeleteFailed},
	}, {
		name: "roles that only look like relation users are kept",
		server: func(f *fakeServer) {
			f.users["relation_id_backup"] = pgUser("relation_id_backup")
		},
		event: func(charmtest.State) charm.Event { return charmtest.Hook(charm.LeaderElected) },
		want:  charmtest.Status{Name: "active", Message: msgPrimary},
		check: func(t *testing.T, f *fakeServer, _ charmtest.Output) {
			if _, users, _, _ := f.snapshot(); len(users) != 1 {
				t.Errorf("users %v", users)
			}
		},
	}, {
		name: "a setting that needs a restart",
		in: func(t *testing.T, ready charmtest.State) charmtest.State {
			ready.Config = map[string]any{"memory_shared_buffers": 4096}
			return ready
		},
		server: func(f *fakeServer) { f.pendingRestart = []string{"shared_buffers"} },
		want:   charmtest.Status{Name: "active", Message: msgPrimary},
		check: func(t *testing.T, f *fakeServer, out charmtest.Output) {
			ops, _, _, _ := f.snapshot()
			if i := slices.Index(ops, "reload"); i < 0 || !slices.Contains(ops[i:], "terminate sessions") {
				t.Errorf("ops %q", ops)
			}
			if conf := string(containerOf(out.State).Files[pgData+"/postgresql.conf"].Content); !strings.Contains(conf, "shared_buffers = 4096\n") {
				t.Errorf("postgresql.conf:\n%s", conf)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeServer()
			ctx := newContext(t, f)
			ready := bootstrap(t, ctx)
			in := ready
			if tt.in != nil {
				in = tt.in(t, ready)
			}
			f.mu.Lock()
			f.ops = nil
			f.dials = 0
			f.mu.Unlock()
			if tt.server != nil {
				f.mu.Lock()
				tt.server(f)
				f.mu.Unlock()
			}
			ev := charmtest.Hook(charm.ConfigChanged)
			if tt.event != nil {
				ev = tt.event(in)
			}
			out := ctx.Run(t, ev, in)
			if out.Err != nil {
				t.Fatalf("dispatch failed: %v\nlogs: %q", out.Err, out.Logs)
			}
			if out.State.UnitStatus != tt.want {
				t.Errorf("status %+v, want %+v\nlogs: %q", out.State.UnitStatus, tt.want, out.Logs)
			}
			if in.Leader && out.State.AppStatus != tt.want {
				t.Errorf("app status %+v, want %+v", out.State.AppStatus, tt.want)
			}
			if tt.check != nil {
				tt.check(t, f, out)
			}
			if sec, ok := secretByLabel(out.State, systemSecretLabel); ok {
				assertNoSecretLeak(t, out, sec.Content[operatorKey])
			}
		})
	}
}

// A configuration pushed in a hook whose server was down is reloaded by
// the next hook, though the file no longer changes then.
func TestReloadAfterMissedPass(t *testing.T) {
	t.Parallel()
	f := newFakeServer()
	ctx := newContext(t, f)
	st := bootstrap(t, ctx)
	st.Config = map[string]any{"memory_work_mem": 8192}
	f.mu.Lock()
	f.down, f.ops = true, nil
	f.mu.Unlock()
	out := ctx.Run(t, charmtest.Hook(charm.ConfigChanged), st)
	if out.Err != nil || out.State.UnitStatus != (charmtest.Status{Name: "waiting", Message: msgAwaitMember}) {
		t.Fatalf("server down: %v %+v", out.Err, out.State.UnitStatus)
	}
	if conf := string(containerOf(out.State).Files[pgData+"/postgresql.conf"].Content); !strings.Contains(conf, "work_mem = '8192kB'") {
		t.Fatalf("postgresql.conf:\n%s", conf)
	}
	f.mu.Lock()
	f.down = false
	f.mu.Unlock()
	out = ctx.Run(t, charmtest.Hook(charm.UpdateStatus), out.State)
	if out.Err != nil || out.State.UnitStatus.Message != msgPrimary {
		t.Fatalf("server back: %v %+v", out.Err, out.State.UnitStatus)
	}
	if ops, _, _, _ := f.snapshot(); !slices.Contains(ops, "reload") {
		t.Errorf("no reload: %q", ops)
	}
}

// TestSteadyUnitTrustsItsFingerprint: while the recorded fingerprint
// matches and Pebble runs the service, update-status looks at neither the
// files nor the layer; pebble-ready, or a service Pebble no longer runs,
// makes the leader look again.
func TestSteadyUnitTrustsItsFingerprint(t *testing.T) {
	t.Parallel()
	f := newFakeServer()
	ctx := newContext(t, f)
	st := bootstrap(t, ctx)
	conf := pgData + "/postgresql.conf"
	delete(st.Containers[0].Files, conf)
	want := charmtest.Status{Name: "active", Message: msgPrimary}

	out := ctx.Run(t, charmtest.Hook(charm.UpdateStatus), st)
	if out.Err != nil || out.State.UnitStatus != want {
		t.Fatalf("update-status: %v %+v", out.Err, out.State.UnitStatus)
	}
	if _, ok := containerOf(out.State).Files[conf]; ok {
		t.Error("a steady update-status rewrote postgresql.conf: it looked at the files")
	}

	for _, tc := range []struct {
		name  string
		event charm.Event
		edit  func(*charmtest.Container)
	}{
		{"pebble-ready", charmtest.PebbleReadyEvent(containerName), func(*charmtest.Container) {}},
		{"service stopped", charmtest.Hook(charm.UpdateStatus), func(c *charmtest.Container) { c.Services[serviceName] = "inactive" }},
	} {
		in := out.State
		in.Containers = slices.Clone(in.Containers)
		in.Containers[0].Services = maps.Clone(in.Containers[0].Services)
		tc.edit(&in.Containers[0])
		got := ctx.Run(t, tc.event, in)
		if got.Err != nil || got.State.UnitStatus != want {
			t.Fatalf("%s: %v %+v", tc.name, got.Err, got.State.UnitStatus)
		}
		if _, ok := containerOf(got.State).Files[conf]; !ok {
			t.Errorf("%s: postgresql.conf not written back", tc.name)
		}
		if s := containerOf(got.State).Services[serviceName]; s != "active" {
			t.Errorf("%s: service %q", tc.name, s)
		}
	}
}
