package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canonical/pebble/client"
	"gopkg.in/yaml.v3"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/workload"
	"github.com/identity-platform-go/charms/tests/charms/record"
)

func newContext(t testing.TB) *charmtest.Context {
	t.Helper()
	meta, err := charmcraft.Load("charmcraft.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := meta.Validate(); err != nil {
		t.Fatal(err)
	}
	return &charmtest.Context{Charm: record.Charm{Inner: workloadCharm{}, Environ: record.DerivedEnviron}, Meta: meta}
}

const kernel = "6.1.0-test-amd64"

// app is the container with a reachable fake Pebble that answers uname.
func app() charmtest.Container {
	return charmtest.Container{
		Name:       containerName,
		CanConnect: true,
		Execs:      []charmtest.Exec{{Command: []string{"uname", "-r"}, Stdout: kernel + "\n"}},
	}
}

func records(t *testing.T, logs []string) []record.Event {
	t.Helper()
	var evs []record.Event
	for _, l := range logs {
		ev, ok, err := record.ParseLine(l)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			evs = append(evs, ev)
		}
	}
	return evs
}

// plannedLayer decodes the layer the charm added.
type plannedLayer struct {
	Services map[string]struct {
		Override string `yaml:"override"`
		Command  string `yaml:"command"`
		Startup  string `yaml:"startup"`
	} `yaml:"services"`
	Checks map[string]struct {
		Override  string `yaml:"override"`
		Level     string `yaml:"level"`
		Period    string `yaml:"period"`
		Timeout   string `yaml:"timeout"`
		Threshold int    `yaml:"threshold"`
		Exec      struct {
			Command string `yaml:"command"`
		} `yaml:"exec"`
	} `yaml:"checks"`
}

func TestPebbleReady(t *testing.T) {
	t.Parallel()
	c := newContext(t)
	out := c.Run(t, charmtest.PebbleReadyEvent(containerName), charmtest.State{Containers: []charmtest.Container{app()}})
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	st := out.State
	if want := (charmtest.Status{Name: "active", Message: "app running"}); st.UnitStatus != want {
		t.Errorf("status %+v, want %+v", st.UnitStatus, want)
	}
	if st.WorkloadVersion != kernel {
		t.Errorf("workload version %q, want %q", st.WorkloadVersion, kernel)
	}
	ct := st.Containers[0]
	if ct.Services[serviceName] != "active" {
		t.Errorf("services %v, want app active", ct.Services)
	}
	if !slices.Equal(ct.LayerOrder, []string{layerLabel}) {
		t.Fatalf("layers %q, want [%s]", ct.LayerOrder, layerLabel)
	}
	var l plannedLayer
	if err := yaml.Unmarshal([]byte(ct.Layers[layerLabel]), &l); err != nil {
		t.Fatal(err)
	}
	svc, chk := l.Services[serviceName], l.Checks[checkName]
	if svc.Command != `/bin/sh -c "while true; do date > /srv/data/heartbeat; sleep 1; done"` || svc.Startup != "enabled" || svc.Override != "replace" {
		t.Errorf("service %+v", svc)
	}
	if chk.Exec.Command != `/bin/sh -c "! grep -qx unhealthy /srv/data/health"` || chk.Level != "alive" ||
		chk.Period != "2s" || chk.Timeout != "1s" || chk.Threshold != 2 || chk.Override != "replace" {
		t.Errorf("check %+v", chk)
	}
	if want := [][]string{{"uname", "-r"}}; !reflect.DeepEqual(ct.ExecLog, want) {
		t.Errorf("exec log %q, want %q", ct.ExecLog, want)
	}
	evs := records(t, out.Logs)
	if len(evs) != 1 || evs[0].Hook != "app-pebble-ready" || evs[0].Workload != containerName || evs[0].Kind != "pebble-ready" {
		t.Errorf("records %+v", evs)
	}

	// Again, as on any later hook: the same plan, the service untouched.
	again := c.MustRun(t, charmtest.Hook(charm.UpdateStatus), st)
	if again.Containers[0].Layers[layerLabel] != ct.Layers[layerLabel] || again.UnitStatus != st.UnitStatus {
		t.Errorf("second run changed the plan or status: %+v", again)
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	down := app()
	down.Checks = map[string]charmtest.Check{checkName: {Level: "alive", Status: "down", Failures: 2, Threshold: 2}}
	noUname := app()
	noUname.Execs = nil
	tests := []struct {
		name        string
		ev          charm.Event
		container   charmtest.Container
		config      map[string]any
		wantStatus  charmtest.Status
		wantVersion string
		wantLog     string
		wantRecord  func(record.Event) bool
	}{{
		name:       "Pebble not reachable yet",
		ev:         charmtest.Hook(charm.Install),
		container:  charmtest.Container{Name: containerName},
		wantStatus: charmtest.Status{Name: "waiting", Message: msgNoPebble},
	}, {
		name:        "check failed",
		ev:          charm.Event{Kind: charm.PebbleCheckFailed, Workload: containerName, CheckName: checkName, RelationID: -1},
		container:   down,
		wantStatus:  charmtest.Status{Name: "waiting", Message: "check alive is down"},
		wantVersion: kernel,
		wantRecord:  func(e record.Event) bool { return e.Hook == "app-pebble-check-failed" && e.Check == checkName },
	}, {
		name:        "check recovered",
		ev:          charm.Event{Kind: charm.PebbleCheckRecovered, Workload: containerName, CheckName: checkName, RelationID: -1},
		container:   app(),
		wantStatus:  charmtest.Status{Name: "active", Message: msgRunning},
		wantVersion: kernel,
		wantRecord:  func(e record.Event) bool { return e.Hook == "app-pebble-check-recovered" && e.Check == checkName },
	}, {
		name:        "custom notice",
		ev:          charm.Event{Kind: charm.PebbleCustomNotice, Workload: containerName, NoticeID: "42", NoticeType: "custom", NoticeKey: "example.com/ping", RelationID: -1},
		container:   app(),
		wantStatus:  charmtest.Status{Name: "active", Message: msgRunning},
		wantVersion: kernel,
		wantRecord: func(e record.Event) bool {
			return e.Hook == "app-pebble-custom-notice" && e.NoticeID == "42" && e.NoticeType == "custom" && e.NoticeKey == "example.com/ping" &&
				e.Env["JUJU_NOTICE_KEY"] == "example.com/ping" && e.Env["JUJU_WORKLOAD_NAME"] == containerName
		},
	}, {
		name:       "storage attached",
		ev:         charm.Event{Kind: charm.StorageAttached, StorageName: "data", StorageID: "data/0", StoragePath: "/srv/data", RelationID: -1},
		container:  app(),
		wantStatus: charmtest.Status{Name: "active", Message: msgRunning}, wantVersion: kernel,
		wantRecord: func(e record.Event) bool {
			return e.Hook == "data-storage-attached" && e.Storage == "data" && e.StorageID == "data/0" && e.StorageLocation == "/srv/data"
		},
	}, {
		name:       "no uname: version left alone, warning logged",
		ev:         charmtest.Hook(charm.ConfigChanged),
		container:  noUname,
		wantStatus: charmtest.Status{Name: "active", Message: msgRunning},
		wantLog:    `WARNING workload version: container "app": exec "uname": cannot find executable "uname"`,
	}, {
		name:       "bad data-dir",
		ev:         charmtest.Hook(charm.ConfigChanged),
		container:  app(),
		config:     map[string]any{"data-dir": "/srv/my data"},
		wantStatus: charmtest.Status{Name: "blocked", Message: `data-dir "/srv/my data" must be an absolute path of letters, digits, '.', '_', '-' and '/'`},
	}}
	c := newContext(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := c.Run(t, tt.ev, charmtest.State{Config: tt.config, Containers: []charmtest.Container{tt.container}})
			if out.Err != nil {
				t.Fatal(out.Err)
			}
			if out.State.UnitStatus != tt.wantStatus || out.State.WorkloadVersion != tt.wantVersion {
				t.Errorf("status %+v version %q, want %+v and %q", out.State.UnitStatus, out.State.WorkloadVersion, tt.wantStatus, tt.wantVersion)
			}
			if tt.wantLog != "" && !slices.Contains(out.Logs, tt.wantLog) {
				t.Errorf("logs %q lack %q", out.Logs, tt.wantLog)
			}
			evs := records(t, out.Logs)
			if len(evs) != 1 || (tt.wantRecord != nil && !tt.wantRecord(evs[0])) {
				t.Errorf("records %+v", evs)
			}
		})
	}
}

func TestSetHealth(t *testing.T) {
	t.Parallel()
	c := newContext(t)
	for _, tc := range []struct {
		healthy bool
		want    string
	}{{false, "unhealthy"}, {true, "healthy"}} {
		out := c.RunAction(t, "set-health", map[string]any{"healthy": tc.healthy}, charmtest.State{Containers: []charmtest.Container{app()}})
		if out.Err != nil || out.ActionFailed || out.ActionResults["health"] != tc.want {
			t.Errorf("healthy=%v: %v %q %v", tc.healthy, out.Err, out.ActionMessage, out.ActionResults)
		}
		if got := string(out.State.Containers[0].Files["/srv/data/health"].Content); got != tc.want+"\n" {
			t.Errorf("healthy=%v: health file %q", tc.healthy, got)
		}
	}
	out := c.RunAction(t, "set-health", map[string]any{"healthy": true}, charmtest.State{Containers: []charmtest.Container{{Name: containerName}}})
	if !out.ActionFailed || out.ActionMessage != msgNoPebble {
		t.Errorf("unreachable Pebble: failed %v message %q", out.ActionFailed, out.ActionMessage)
	}
}

// TestRealPebble runs the layer on a real Pebble daemon: the service
// writes its heartbeat, uname answers, and set-health makes the check
// fail and recover.
func TestRealPebble(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs a Pebble daemon for several seconds")
	}
	// Made before the daemon so that it is removed after the daemon (and
	// its service) stopped.
	dir := t.TempDir()
	socket := charmtest.StartPebble(t)
	c := newContext(t)
	in := charmtest.State{
		Config:     map[string]any{"data-dir": dir},
		Containers: []charmtest.Container{{Name: containerName, Socket: socket}},
	}
	st := c.MustRun(t, charmtest.PebbleReadyEvent(containerName), in)
	if want := (charmtest.Status{Name: "active", Message: msgRunning}); st.UnitStatus != want {
		t.Errorf("status %+v, want %+v", st.UnitStatus, want)
	}
	if uname, err := exec.Command("uname", "-r").Output(); err == nil && st.WorkloadVersion != string(bytes.TrimSpace(uname)) {
		t.Errorf("workload version %q, want %q", st.WorkloadVersion, bytes.TrimSpace(uname))
	}
	waitFor(t, 10*time.Second, "the heartbeat", func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "heartbeat"))
		return err == nil && len(b) > 0
	})

	api, err := workload.DialSocket(socket)
	if err != nil {
		t.Fatal(err)
	}
	checkStatus := func() string {
		infos, err := api.Checks(&client.ChecksOptions{Names: []string{checkName}})
		if err != nil || len(infos) != 1 {
			t.Fatalf("checks: %v %v", infos, err)
		}
		return string(infos[0].Status)
	}
	if s := checkStatus(); s != "up" {
		t.Errorf("check %s, want up", s)
	}

	out := c.RunAction(t, "set-health", map[string]any{"healthy": false}, st)
	if out.Err != nil || out.ActionFailed {
		t.Fatalf("set-health: %v %q", out.Err, out.ActionMessage)
	}
	waitFor(t, 15*time.Second, "the check to fail", func() bool { return checkStatus() == "down" })
	failed := charm.Event{Kind: charm.PebbleCheckFailed, Workload: containerName, CheckName: checkName, RelationID: -1}
	st = c.MustRun(t, failed, st)
	if want := (charmtest.Status{Name: "waiting", Message: "check alive is down"}); st.UnitStatus != want {
		t.Errorf("after check-failed: status %+v, want %+v", st.UnitStatus, want)
	}

	if out := c.RunAction(t, "set-health", map[string]any{"healthy": true}, st); out.ActionFailed {
		t.Fatalf("set-health: %q", out.ActionMessage)
	}
	waitFor(t, 15*time.Second, "the check to recover", func() bool { return checkStatus() == "up" })
	recovered := failed
	recovered.Kind = charm.PebbleCheckRecovered
	st = c.MustRun(t, recovered, st)
	if want := (charmtest.Status{Name: "active", Message: msgRunning}); st.UnitStatus != want {
		t.Errorf("after check-recovered: status %+v, want %+v", st.UnitStatus, want)
	}
	if health, err := os.ReadFile(filepath.Join(dir, "health")); err != nil || strings.TrimSpace(string(health)) != "healthy" {
		t.Errorf("health file %q (%v)", health, err)
	}
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestEveryActionHasAHandler: an action the metadata declares but the
// binary lacks would exit 1 without a record.
func TestEveryActionHasAHandler(t *testing.T) {
	t.Parallel()
	c := newContext(t)
	handlers := c.Charm.(charm.ActionHandlers).Actions()
	for name := range c.Meta.Actions {
		if handlers[name] == nil {
			t.Errorf("action %s has no handler", name)
		}
	}
}
