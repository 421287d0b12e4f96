package main

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/interfaces/loginuiendpoints"
)

// Relation IDs and secrets of the test model.
const (
	peerID      = 1
	dbID        = 2
	publicID    = 3
	adminID     = 4
	uiID        = 5
	endpointsID = 6

	pgUserSecret = "secret:cjqub6vubg2s77p3nio0"
	dbUser       = "relation_id_2"
	dbPassword   = "pg-p@ss/w0rd"
	dbEndpoints  = "postgresql-k8s-primary.test-model.svc.cluster.local:5432"
	systemKey    = "system-key-0123456789abcdef"
	cookieKey    = "cookie-key-0123456789abcdef"
	publicURL    = "https://public.example.com/test-model-hydra"
	hydraVersion = "v2.3.0"
	versionOut   = "Version:    v2.3.0\nGit Hash:   undefined\nBuild Time: undefined\n"
	// testNow is the fixed clock of the charm under test.
	testUnix = 1750000000
)

// testDSN is what the charm must render from the relation.
const testDSN = "postgres://relation_id_2:pg-p%40ss%2Fw0rd@" + dbEndpoints + "/test-model_hydra"

func testHydra() hydra {
	return hydra{
		now:      func() time.Time { return time.Unix(testUnix, 0) },
		newKey:   func() string { return "random-key-00000000000000000000" },
		newAdmin: func() adminAPI { return newFakeAdmin() },
	}
}

func newContext(t testing.TB) *charmtest.Context {
	t.Helper()
	meta, err := charmcraft.Load("charmcraft.yaml")
	if err != nil {
		t.Fatalf("loading charmcraft.yaml: %v", err)
	}
	return &charmtest.Context{Charm: testHydra(), Meta: meta}
}

func loginUIBag() map[string]string {
	return loginuiendpoints.Encode(loginuiendpoints.ForBaseURL("https://public.example.com/test-model-login-ui"))
}

// readyState is a leader whose database is migrated to the running
// version, with every relation answered and Hydra's keys created.
func readyState() charmtest.State {
	return charmtest.State{
		Leader: true,
		Relations: []charmtest.Relation{
			{Endpoint: peerEndpoint, ID: peerID, LocalAppData: map[string]string{migrationKey(dbID): `"` + hydraVersion + `"`}},
			{Endpoint: dbEndpoint, ID: dbID, RemoteApp: "postgresql-k8s", RemoteUnits: map[int]map[string]string{0: {}},
				RemoteAppData: map[string]string{"database": "test-model_hydra", "endpoints": dbEndpoints, "secret-user": pgUserSecret}},
			{Endpoint: publicIngress, ID: publicID, RemoteApp: "traefik-public", RemoteUnits: map[int]map[string]string{0: {}},
				RemoteAppData: map[string]string{"ingress": `{"url": "` + publicURL + `"}`}},
			{Endpoint: adminIngress, ID: adminID, RemoteApp: "traefik-admin", RemoteUnits: map[int]map[string]string{0: {}},
				RemoteAppData: map[string]string{"ingress": `{"url": "http://admin.example.com/test-model-hydra"}`}},
			{Endpoint: loginUIEndpoint, ID: uiID, RemoteApp: "login-ui", RemoteUnits: map[int]map[string]string{0: {}},
				RemoteAppData: loginUIBag()},
			{Endpoint: endpointsEndpoint, ID: endpointsID, RemoteApp: "kratos", RemoteUnits: map[int]map[string]string{0: {}}},
		},
		Secrets: []charmtest.Secret{
			{ID: pgUserSecret, Revision: 1, Content: map[string]string{"username": dbUser, "password": dbPassword}},
			{ID: "secret:cjqub6vubg2s77p3nip0", Owner: "application", Label: systemKeys.label, Content: map[string]string{"system-1700000000-000": systemKey}},
			{ID: "secret:cjqub6vubg2s77p3nipg", Owner: "application", Label: cookieKeys.label, Content: map[string]string{"cookie-1700000000-000": cookieKey}},
		},
		Stored:     map[string]string{stateVersion: hydraVersion},
		Containers: []charmtest.Container{hydraContainer()},
	}
}

func hydraContainer() charmtest.Container {
	return charmtest.Container{Name: containerName, CanConnect: true, Execs: []charmtest.Exec{
		{Command: []string{"hydra", "version"}, Stdout: versionOut},
		{Command: []string{"hydra", "migrate", "sql", "-e", "--yes"}},
	}}
}

// edit returns st changed by fns (st's maps are not shared: Clone).
func edit(st charmtest.State, fns ...func(*charmtest.State)) charmtest.State {
	st = st.Clone()
	for _, f := range fns {
		f(&st)
	}
	return st
}

func relationIndex(st *charmtest.State, endpoint string) int {
	return slices.IndexFunc(st.Relations, func(r charmtest.Relation) bool { return r.Endpoint == endpoint })
}

func without(endpoint string) func(*charmtest.State) {
	return func(st *charmtest.State) {
		st.Relations = slices.DeleteFunc(st.Relations, func(r charmtest.Relation) bool { return r.Endpoint == endpoint })
	}
}

func remoteData(endpoint string, bag map[string]string) func(*charmtest.State) {
	return func(st *charmtest.State) { st.Relations[relationIndex(st, endpoint)].RemoteAppData = bag }
}

func peerBag(bag map[string]string) func(*charmtest.State) {
	return func(st *charmtest.State) { st.Relations[relationIndex(st, peerEndpoint)].LocalAppData = bag }
}

func config(kv ...any) func(*charmtest.State) {
	return func(st *charmtest.State) {
		if st.Config == nil {
			st.Config = map[string]any{}
		}
		for i := 0; i < len(kv); i += 2 {
			st.Config[kv[i].(string)] = kv[i+1]
		}
	}
}

func container(fn func(*charmtest.Container)) func(*charmtest.State) {
	return func(st *charmtest.State) { fn(&st.Containers[0]) }
}

func notLeader(st *charmtest.State) { st.Leader = false }

func withoutSecret(label string) func(*charmtest.State) {
	return func(st *charmtest.State) {
		st.Secrets = slices.DeleteFunc(st.Secrets, func(s charmtest.Secret) bool { return s.Label == label })
	}
}

// running is a container whose Hydra runs with the configuration the
// ready state renders (as after an earlier reconcile).
func running(t *testing.T) func(*charmtest.State) {
	return func(st *charmtest.State) {
		out := newContext(t).Run(t, charmtest.Hook(charm.ConfigChanged), readyState())
		if out.Err != nil || out.State.UnitStatus.Name != "active" {
			t.Fatalf("preparing a running container: %v %+v", out.Err, out.State.UnitStatus)
		}
		c := out.State.Containers[0]
		c.ExecLog = nil
		st.Containers[0] = c
	}
}

func execs(st charmtest.State) []string {
	var out []string
	for _, argv := range st.Containers[0].ExecLog {
		out = append(out, strings.Join(argv, " "))
	}
	return out
}

func localApp(st charmtest.State, endpoint string) map[string]string {
	return st.Relations[relationIndex(&st, endpoint)].LocalAppData
}

func ownedSecret(st charmtest.State, label string) (charmtest.Secret, bool) {
	i := slices.IndexFunc(st.Secrets, func(s charmtest.Secret) bool { return s.Owner != "" && s.Label == label })
	if i < 0 {
		return charmtest.Secret{}, false
	}
	return st.Secrets[i], true
}

// renderedConfig parses hydra.yaml in the container (nil: none pushed).
func renderedConfig(t *testing.T, st charmtest.State) *hydraYAML {
	t.Helper()
	f, ok := st.Containers[0].Files[configPath]
	if !ok {
		return nil
	}
	var c hydraYAML
	if err := yaml.Unmarshal(f.Content, &c); err != nil {
		t.Fatalf("hydra.yaml does not parse: %v", err)
	}
	return &c
}

// assertNoSecretLeak checks that no secret reached logs, status or
// action output.
func assertNoSecretLeak(t *testing.T, out charmtest.Output) {
	t.Helper()
	visible := strings.Join(out.Logs, "\n") + out.State.UnitStatus.Message + out.ActionMessage + strings.Join(out.ActionLogs, "\n")
	if out.Err != nil {
		visible += out.Err.Error()
	}
	for _, s := range []string{dbPassword, "pg-p%40ss", systemKey, cookieKey, "random-key-0000"} {
		if strings.Contains(visible, s) {
			t.Errorf("a secret leaked: %q in %q", s, visible)
		}
	}
}

func active() charmtest.Status { return charmtest.Status{Name: "active"} }
func waiting(msg string) charmtest.Status {
	return charmtest.Status{Name: "waiting", Message: msg}
}
func blocked(msg string) charmtest.Status {
	return charmtest.Status{Name: "blocked", Message: msg}
}

func TestReconcile(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	versionAndMigrate := []string{"hydra version", "hydra migrate sql -e --yes"}
	tests := []struct {
		name  string
		in    charmtest.State
		event func(charmtest.State) charm.Event
		want  charmtest.Status
		// wantRunning: hydra.yaml pushed and the service active.
		wantRunning bool
		wantExecs   []string
		check       func(t *testing.T, out charmtest.Output)
	}{{
		name: "everything ready: configured and started", in: readyState(),
		want: active(), wantRunning: true,
		check: func(t *testing.T, out charmtest.Output) {
			c := renderedConfig(t, out.State)
			if c.DSN != testDSN || c.URLs.Self.Issuer != publicURL || c.URLs.Login != "https://public.example.com/test-model-login-ui/ui/login" ||
				!slices.Equal(c.Secrets.System, []string{systemKey}) || !slices.Equal(c.Secrets.Cookie, []string{cookieKey}) {
				t.Errorf("hydra.yaml: %+v", c)
			}
			if f := out.State.Containers[0].Files[configPath]; f.Permissions != 0o600 {
				t.Errorf("hydra.yaml permissions %o, want 600", f.Permissions)
			}
		},
	}, {
		name: "first database hookup: the leader migrates and records the version",
		in:   edit(readyState(), peerBag(nil)), event: pebbleReady,
		want: active(), wantRunning: true, wantExecs: versionAndMigrate,
		check: func(t *testing.T, out charmtest.Output) {
			if got := localApp(out.State, peerEndpoint)[migrationKey(dbID)]; got != `"v2.3.0"` {
				t.Errorf("peer %s = %q, want %q", migrationKey(dbID), got, `"v2.3.0"`)
			}
			if out.State.WorkloadVersion != hydraVersion {
				t.Errorf("workload version %q", out.State.WorkloadVersion)
			}
		},
	}, {
		name: "first database hookup, not the leader: waits for the leader",
		in:   edit(readyState(), peerBag(nil), notLeader),
		want: waiting(msgMigrationLeader),
	}, {
		name: "upgrade: waits for run-migration",
		in:   edit(readyState(), peerBag(map[string]string{migrationKey(dbID): `"v2.2.0"`})),
		want: waiting(msgMigrationNeeded),
	}, {
		name: "upgrade with auto_migrate: the leader migrates",
		in:   edit(readyState(), peerBag(map[string]string{migrationKey(dbID): `"v2.2.0"`}), config("auto_migrate", true)),
		want: active(), wantRunning: true, wantExecs: []string{"hydra migrate sql -e --yes"},
	}, {
		name: "upgrade with auto_migrate, not the leader",
		in:   edit(readyState(), peerBag(map[string]string{migrationKey(dbID): `"v2.2.0"`}), config("auto_migrate", true), notLeader),
		want: waiting(msgMigrationLeader),
	}, {
		name: "the migration fails: blocked, recorded, output logged without the DSN",
		in: edit(readyState(), peerBag(nil), container(func(c *charmtest.Container) {
			c.Execs[1].ExitCode, c.Execs[1].Stderr = 1, "could not connect to "+testDSN+": password "+dbPassword+" refused"
		})),
		want: blocked(msgMigrationFailed), wantExecs: []string{"hydra migrate sql -e --yes"},
		check: func(t *testing.T, out charmtest.Output) {
			if out.State.Stored[stateMigrationFailed] != migrationKey(dbID)+"@v2.3.0" {
				t.Errorf("stored %v", out.State.Stored)
			}
			if !containsLine(out.Logs, "ERROR Database migration failed (exit status 1)") || !containsLine(out.Logs, "could not connect to ***") {
				t.Errorf("logs %q", out.Logs)
			}
		},
	}, {
		name: "a failed migration is not retried on other hooks",
		in:   edit(readyState(), peerBag(nil), func(st *charmtest.State) { st.Stored[stateMigrationFailed] = migrationKey(dbID) + "@v2.3.0" }),
		want: blocked(msgMigrationFailed),
	}, {
		name:  "a failed migration is retried on update-status",
		in:    edit(readyState(), peerBag(nil), func(st *charmtest.State) { st.Stored[stateMigrationFailed] = migrationKey(dbID) + "@v2.3.0" }),
		event: func(charmtest.State) charm.Event { return charmtest.Hook(charm.UpdateStatus) },
		want:  active(), wantRunning: true, wantExecs: []string{"hydra migrate sql -e --yes"},
		check: func(t *testing.T, out charmtest.Output) {
			if _, ok := out.State.Stored[stateMigrationFailed]; ok {
				t.Errorf("failure marker kept: %v", out.State.Stored)
			}
		},
	}, {
		name: "no database: blocked, Hydra stopped",
		in:   edit(readyState(), running(t), without(dbEndpoint)),
		want: blocked(msgMissingDB),
		check: func(t *testing.T, out charmtest.Output) {
			if s := out.State.Containers[0].Services[serviceName]; s != "inactive" {
				t.Errorf("service %q, want inactive", s)
			}
		},
	}, {
		name: "pg-database relation-broken stops Hydra",
		in:   edit(readyState(), running(t)),
		event: func(st charmtest.State) charm.Event {
			return charmtest.RelationEvent(charm.RelationBroken, st.Relations[relationIndex(&st, dbEndpoint)], -1)
		},
		want: blocked(msgMissingDB),
		check: func(t *testing.T, out charmtest.Output) {
			if s := out.State.Containers[0].Services[serviceName]; s != "inactive" {
				t.Errorf("service %q, want inactive", s)
			}
		},
	}, {
		name: "database requested, not created yet",
		in:   edit(readyState(), remoteData(dbEndpoint, map[string]string{"endpoints": dbEndpoints})),
		want: waiting(msgDBNotCreated + " (pg-database relation: waiting for the database to be created)"),
	}, {
		name: "no public ingress", in: edit(readyState(), without(publicIngress)),
		want: blocked(msgMissingIngress),
	}, {
		name: "no login UI", in: edit(readyState(), without(loginUIEndpoint)),
		want: blocked(msgMissingLoginUI),
	}, {
		name: "no peer relation", in: edit(readyState(), without(peerEndpoint)),
		want: waiting(msgMissingPeer),
	}, {
		name: "ingress has not answered", in: edit(readyState(), remoteData(publicIngress, nil)),
		want: waiting(msgIngressNotReady),
	}, {
		name: "ingress answers garbage", in: edit(readyState(), remoteData(publicIngress, map[string]string{"ingress": "{"})),
		want: blocked(`Invalid data on public-ingress: public-ingress relation 3: key "ingress": invalid databag contents: expecting JSON, got "{"`),
	}, {
		name: "http ingress", in: edit(readyState(), remoteData(publicIngress, map[string]string{"ingress": `{"url": "http://10.1.2.3/test-model-hydra"}`})),
		want: blocked(msgInsecureIngress),
	}, {
		name: "http ingress in dev mode",
		in: edit(readyState(), config("dev", true),
			remoteData(publicIngress, map[string]string{"ingress": `{"url": "http://10.1.2.3/test-model-hydra"}`})),
		want: active(), wantRunning: true,
		check: func(t *testing.T, out charmtest.Output) {
			if c := renderedConfig(t, out.State); !c.Dev || c.URLs.Self.Issuer != "http://10.1.2.3/test-model-hydra" {
				t.Errorf("hydra.yaml %+v", c)
			}
		},
	}, {
		name: "login UI without the device URLs: Hydra v2 has no device flow",
		in:   edit(readyState(), noDeviceURLs),
		want: active(), wantRunning: true,
		check: func(t *testing.T, out charmtest.Output) {
			if c := renderedConfig(t, out.State); c.URLs.Device != nil {
				t.Errorf("urls.device rendered for Hydra v2: %+v", c.URLs.Device)
			}
		},
	}, {
		name: "login UI without the device URLs: Hydra v26 waits for them",
		in:   edit(readyState(), noDeviceURLs, hydraV26),
		want: waiting(msgLoginUINotReady + " (ui-endpoint-info relation: device_verification_url not published yet)"),
	}, {
		name: "Hydra v26 gets the device URLs",
		in:   edit(readyState(), hydraV26),
		want: active(), wantRunning: true,
		check: func(t *testing.T, out charmtest.Output) {
			if c := renderedConfig(t, out.State); c.URLs.Device == nil || c.URLs.Device.Success != "https://public.example.com/test-model-login-ui/ui/device_complete" {
				t.Errorf("urls.device %+v", c.URLs.Device)
			}
		},
	}, {
		name: "container not reachable", in: edit(readyState(), container(func(c *charmtest.Container) { c.CanConnect = false })),
		want: waiting(msgNotConnected),
	}, {
		name: "hydra version fails", in: edit(readyState(), func(st *charmtest.State) { delete(st.Stored, stateVersion) },
			container(func(c *charmtest.Container) { c.Execs[0].ExitCode = 2 })),
		want: waiting(msgNoVersion + " (hydra version: exit status 2)"), wantExecs: []string{"hydra version"},
	}, {
		name: "ready check failing", in: edit(readyState(), running(t), container(func(c *charmtest.Container) {
			c.Checks = map[string]charmtest.Check{readyCheck: {Status: "down", Failures: 3}}
		})),
		want: blocked(msgServiceFailing), wantRunning: true,
	}, {
		name: "invalid configuration", in: edit(readyState(), config("log_level", "chatty")),
		want: blocked("Invalid configuration: log_level must be one of panic, fatal, error, warn, info, debug, trace"),
	}, {
		name: "the leader creates missing keys",
		in:   edit(readyState(), withoutSecret(systemKeys.label), withoutSecret(cookieKeys.label)),
		want: active(), wantRunning: true,
		check: func(t *testing.T, out charmtest.Output) {
			for _, k := range keyKinds {
				s, ok := ownedSecret(out.State, k.label)
				want := map[string]string{k.name + "-1750000000-000": "random-key-00000000000000000000"}
				if !ok || s.Owner != "application" || !maps.Equal(s.Content, want) {
					t.Errorf("secret %s: %+v, want content %v", k.label, s, want)
				}
			}
		},
	}, {
		name: "a unit waits for the leader's keys",
		in:   edit(readyState(), withoutSecret(systemKeys.label), notLeader),
		want: waiting(msgSecretsNotReady),
	}, {
		name:  "pebble-ready on a fresh container: configured, version refreshed",
		in:    edit(readyState(), func(st *charmtest.State) { st.Stored[stateVersion] = "v2.2.0" }, peerBag(map[string]string{migrationKey(dbID): `"v2.3.0"`})),
		event: pebbleReady, want: active(), wantRunning: true, wantExecs: []string{"hydra version"},
		check: func(t *testing.T, out charmtest.Output) {
			if out.State.Stored[stateVersion] != hydraVersion || out.State.WorkloadVersion != hydraVersion {
				t.Errorf("version not refreshed: %v %q", out.State.Stored, out.State.WorkloadVersion)
			}
		},
	}, {
		name: "a unit that departs notes it is dying",
		in: edit(readyState(), notLeader, func(st *charmtest.State) {
			st.Relations[relationIndex(st, peerEndpoint)].RemoteUnits = map[int]map[string]string{1: {}}
		}),
		event: func(st charmtest.State) charm.Event {
			ev := charmtest.RelationEvent(charm.RelationDeparted, st.Relations[relationIndex(&st, peerEndpoint)], 1)
			ev.DepartingUnit = "hydra/0"
			return ev
		},
		want: active(), wantRunning: true,
		check: func(t *testing.T, out charmtest.Output) {
			if out.State.Stored[stateDying] != "true" {
				t.Errorf("stored %v", out.State.Stored)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := charmtest.Hook(charm.ConfigChanged)
			if tt.event != nil {
				ev = tt.event(tt.in)
			}
			out := ctx.Run(t, ev, tt.in)
			if out.Err != nil {
				t.Fatalf("dispatch failed: %v\nlogs: %q", out.Err, out.Logs)
			}
			if out.State.UnitStatus != tt.want {
				t.Errorf("status %+v, want %+v\nlogs: %q", out.State.UnitStatus, tt.want, out.Logs)
			}
			c := out.State.Containers[0]
			running := c.Services[serviceName] == "active" && c.Files[configPath].Content != nil
			if running != tt.wantRunning {
				t.Errorf("running = %v, want %v (services %v)", running, tt.wantRunning, c.Services)
			}
			if got := execs(out.State); !slices.Equal(got, tt.wantExecs) {
				t.Errorf("execs %q, want %q", got, tt.wantExecs)
			}
			if tt.check != nil {
				tt.check(t, out)
			}
			assertNoSecretLeak(t, out)
		})
	}
}

func noDeviceURLs(st *charmtest.State) {
	bag := loginUIBag()
	delete(bag, loginuiendpoints.KeyDeviceVerification)
	st.Relations[relationIndex(st, loginUIEndpoint)].RemoteAppData = bag
}

// hydraV26 is a unit running Canonical's Hydra 26, migrated.
func hydraV26(st *charmtest.State) {
	st.Stored[stateVersion] = "v26.2.0"
	st.Relations[relationIndex(st, peerEndpoint)].LocalAppData = map[string]string{migrationKey(dbID): `"v26.2.0"`}
}

func pebbleReady(charmtest.State) charm.Event { return charmtest.PebbleReadyEvent(containerName) }

func containsLine(lines []string, substr string) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, substr) })
}

// TestRequests checks what Hydra asks of and offers to its relations.
func TestRequests(t *testing.T) {
	t.Parallel()
	out := newContext(t).Run(t, charmtest.Hook(charm.ConfigChanged), readyState())
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	for _, tc := range []struct {
		endpoint string
		want     map[string]string
	}{
		{dbEndpoint, map[string]string{"database": "test-model_hydra", "extra-user-roles": "SUPERUSER",
			"requested-secrets": `["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]`,
			"provided-secrets":  `["mtls-cert"]`}},
		{publicIngress, map[string]string{"model": `"test-model"`, "name": `"hydra"`, "port": "4444", "strip-prefix": "true"}},
		{adminIngress, map[string]string{"model": `"test-model"`, "name": `"hydra"`, "port": "4445", "strip-prefix": "true"}},
		{endpointsEndpoint, map[string]string{"admin_endpoint": "http://hydra.test-model.svc.cluster.local:4445",
			"public_endpoint": "http://hydra.test-model.svc.cluster.local:4444"}},
	} {
		if got := localApp(out.State, tc.endpoint); !maps.Equal(got, tc.want) {
			t.Errorf("%s: local app data\n got %v\nwant %v", tc.endpoint, got, tc.want)
		}
	}
	var ports []int
	for _, p := range out.State.OpenedPorts {
		ports = append(ports, p.From)
	}
	if !slices.Equal(ports, []int{4444, 4445}) {
		t.Errorf("opened ports %+v", out.State.OpenedPorts)
	}
}

// TestInitialKeys covers the initial_*_secret_id options.
func TestInitialKeys(t *testing.T) {
	t.Parallel()
	const userSecret = "secret:d0rtaa7mp25c7bk1c2v0"
	long1, long2 := "first-user-key-0000000", "second-user-key-000000"
	for _, tc := range []struct {
		name    string
		content map[string]string
		granted bool
		want    charmtest.Status
		// wantSystem: the system keys in hydra.yaml, active first.
		wantSystem []string
	}{
		{"the key named first becomes active", map[string]string{"system1": long1, "system2": long2}, true, active(), []string{long1, long2}},
		{"a short key", map[string]string{"system1": "short"}, true,
			blocked("Invalid configuration: initial_system_secret_id holds a key shorter than 16 characters"), nil},
		{"not granted", map[string]string{"system1": long1}, false,
			blocked(`Invalid configuration: initial_system_secret_id cannot be read (grant the secret to the application): permission denied`), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := edit(readyState(), withoutSecret(systemKeys.label), config("initial_system_secret_id", userSecret))
			if tc.granted {
				in.Secrets = append(in.Secrets, charmtest.Secret{ID: userSecret, Content: tc.content})
			}
			out := newContext(t).Run(t, charmtest.Hook(charm.ConfigChanged), in)
			if out.Err != nil {
				t.Fatal(out.Err)
			}
			if out.State.UnitStatus != tc.want {
				t.Errorf("status %+v, want %+v", out.State.UnitStatus, tc.want)
			}
			if tc.wantSystem == nil {
				if _, ok := ownedSecret(out.State, systemKeys.label); ok {
					t.Error("system keys created from a bad initial secret")
				}
				return
			}
			if c := renderedConfig(t, out.State); c == nil || !slices.Equal(c.Secrets.System, tc.wantSystem) {
				t.Errorf("hydra.yaml system keys %+v, want %q", c, tc.wantSystem)
			}
			s, _ := ownedSecret(out.State, systemKeys.label)
			if want := map[string]string{"system-1750000000-000": long2, "system-1750000000-001": long1}; !maps.Equal(s.Content, want) {
				t.Errorf("system secret %v, want %v", s.Content, want)
			}
		})
	}
}

func TestRunMigration(t *testing.T) {
	t.Parallel()
	upgraded := edit(readyState(), peerBag(map[string]string{migrationKey(dbID): `"v2.2.0"`}))
	for _, tc := range []struct {
		name       string
		in         charmtest.State
		params     map[string]any
		wantFail   string
		wantExecs  []string
		wantStatus charmtest.Status
	}{
		{name: "migrates, records and starts Hydra", in: upgraded, params: map[string]any{"timeout": 30},
			wantExecs: []string{"hydra version", "hydra migrate sql -e --yes"}, wantStatus: active()},
		{name: "not the leader", in: edit(upgraded, notLeader), wantFail: "Only the leader unit can run the database migration"},
		{name: "container unreachable", in: edit(upgraded, container(func(c *charmtest.Container) { c.CanConnect = false })), wantFail: msgNotConnected},
		{name: "no peer relation", in: edit(upgraded, without(peerEndpoint)), wantFail: "Peer integration is not ready yet"},
		{name: "no database", in: edit(upgraded, without(dbEndpoint)), wantFail: "The database is not ready: no pg-database relation"},
		{name: "the migration fails", in: edit(upgraded, container(func(c *charmtest.Container) { c.Execs[1].ExitCode = 1 })),
			wantFail: "Database migration failed: hydra migrate sql exited with status 1", wantExecs: []string{"hydra version", "hydra migrate sql -e --yes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := newContext(t).RunAction(t, "run-migration", tc.params, tc.in)
			if out.Err != nil {
				t.Fatal(out.Err)
			}
			if out.ActionFailed != (tc.wantFail != "") || out.ActionMessage != tc.wantFail {
				t.Fatalf("failed=%v %q, want %q", out.ActionFailed, out.ActionMessage, tc.wantFail)
			}
			if got := execs(out.State); !slices.Equal(got, tc.wantExecs) {
				t.Errorf("execs %q, want %q", got, tc.wantExecs)
			}
			if tc.wantFail != "" {
				return
			}
			if got := localApp(out.State, peerEndpoint)[migrationKey(dbID)]; got != `"v2.3.0"` {
				t.Errorf("peer version %q", got)
			}
			if out.State.UnitStatus != tc.wantStatus || out.State.Containers[0].Services[serviceName] != "active" {
				t.Errorf("status %+v, services %v", out.State.UnitStatus, out.State.Containers[0].Services)
			}
			if !slices.Equal(out.ActionLogs, []string{"Start migrating the database", "Successfully migrated the database", "Successfully updated migration version"}) {
				t.Errorf("action logs %q", out.ActionLogs)
			}
			assertNoSecretLeak(t, out)
		})
	}
}

// TestPeerValuesAreJSON checks the reference's peer encoding.
func TestPeerValuesAreJSON(t *testing.T) {
	t.Parallel()
	out := newContext(t).Run(t, pebbleReady(charmtest.State{}), edit(readyState(), peerBag(nil)))
	for k, v := range localApp(out.State, peerEndpoint) {
		if !json.Valid([]byte(v)) {
			t.Errorf("peer %s = %q is not JSON", k, v)
		}
	}
}
