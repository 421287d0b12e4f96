package main

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canonical/pebble/client"

	"github.com/identity-platform-go/charms/internal/workload"
)

// execRecorder is a Pebble that records what it is asked to run.
type execRecorder struct {
	workload.API // unused methods panic
	got          *client.ExecOptions
	exitCode     int
	stdout       string
}

func (r *execRecorder) Exec(opts *client.ExecOptions) (workload.Process, error) {
	r.got = opts
	if opts.Stdout != nil {
		_, _ = io.WriteString(opts.Stdout, r.stdout)
	}
	return exitedProcess(r.exitCode), nil
}

type exitedProcess int

func (e exitedProcess) Wait() (int, error) { return int(e), nil }

func TestMigrateKeepsTheDSNOutOfArgv(t *testing.T) {
	t.Parallel()
	rec := &execRecorder{}
	ctr := workload.New(containerName, rec, nil)
	if err := migrate(t.Context(), ctr, testDSN, 42*time.Second); err != nil {
		t.Fatal(err)
	}
	if want := []string{"hydra", "migrate", "sql", "-e", "--yes"}; !slices.Equal(rec.got.Command, want) {
		t.Errorf("argv %q, want %q", rec.got.Command, want)
	}
	if rec.got.Environment["DSN"] != testDSN {
		t.Errorf("environment %v lacks the DSN", rec.got.Environment)
	}
	if rec.got.Timeout != 42*time.Second {
		t.Errorf("timeout %v", rec.got.Timeout)
	}
	for _, a := range rec.got.Command {
		if strings.Contains(a, "postgres") || strings.Contains(a, "w0rd") {
			t.Errorf("argv carries the DSN: %q", rec.got.Command)
		}
	}
}

func TestWorkloadVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stdout  string
		code    int
		want    string
		wantErr string
	}{
		{versionOut, 0, "v2.3.0", ""},
		{"Version:\tv26.2.0\n", 0, "v26.2.0", ""},
		{"Version:    master\n", 0, "", "no version in its output"},
		{"", 1, "", "exit status 1"},
	} {
		got, err := workloadVersion(t.Context(), workload.New(containerName, &execRecorder{stdout: tc.stdout, exitCode: tc.code}, nil))
		if got != tc.want || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%q: got %q, %v; want %q, %q", tc.stdout, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	out := "dsn=" + testDSN + " user=relation_id_2 password=" + dbPassword + " esc=pg-p%40ss%2Fw0rd"
	got := redactDSN(out, testDSN)
	for _, s := range []string{dbPassword, "pg-p%40ss%2Fw0rd", testDSN} {
		if strings.Contains(got, s) {
			t.Errorf("%q survives in %q", s, got)
		}
	}
	if !strings.Contains(got, "user=relation_id_2") {
		t.Errorf("redacted too much: %q", got)
	}
}

// planRecorder is a Pebble whose plan is the last layer added, recording
// the changes it is asked for.
type planRecorder struct {
	workload.API
	plan    []byte
	file    []byte
	active  bool
	changes []string
	// reads counts AddLayer and Pull calls: what a remembered
	// fingerprint saves; planReads and serviceReads the plan's and the
	// services' reads.
	reads, planReads, serviceReads int
}

func (p *planRecorder) PlanBytes(*client.PlanOptions) ([]byte, error) {
	p.planReads++
	return p.plan, nil
}
func (p *planRecorder) AddLayer(o *client.AddLayerOptions) error {
	p.reads++
	p.plan = o.LayerData
	return nil
}
func (p *planRecorder) Pull(o *client.PullOptions) error {
	p.reads++
	if p.file == nil {
		return &client.Error{Kind: client.ErrorKindNotFound, Message: "no file"}
	}
	_, err := o.Target.Write(p.file)
	return err
}
func (p *planRecorder) Push(o *client.PushOptions) error {
	p.file, _ = io.ReadAll(o.Source)
	return nil
}
func (p *planRecorder) Services(*client.ServicesOptions) ([]*client.ServiceInfo, error) {
	p.serviceReads++
	if p.plan == nil {
		// A restarted Pebble: no plan, no service.
		return nil, nil
	}
	st := client.StatusInactive
	if p.active {
		st = client.StatusActive
	}
	return []*client.ServiceInfo{{Name: serviceName, Current: st}}, nil
}
func (p *planRecorder) change(kind string) (string, error) {
	p.changes = append(p.changes, kind)
	p.active = kind != "stop"
	return kind, nil
}
func (p *planRecorder) Replan(*client.ServiceOptions) (string, error)  { return p.change("replan") }
func (p *planRecorder) Start(*client.ServiceOptions) (string, error)   { return p.change("start") }
func (p *planRecorder) Restart(*client.ServiceOptions) (string, error) { return p.change("restart") }
func (p *planRecorder) WaitChange(id string, _ *client.WaitChangeOptions) (*client.Change, error) {
	return &client.Change{ID: id, Ready: true}, nil
}

func TestPlanWorkloadChangesOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	p := &planRecorder{}
	ctr := workload.New(containerName, p, nil)
	layerA, layerB := pebbleLayer(defaultSettings()), pebbleLayer(settings{logLevel: "info", dev: true})
	steps := []struct {
		name          string
		layer, config string
		stopped       bool
		want          []string
	}{
		{"first: config pushed, service restarted", string(layerA), "a", false, []string{"restart"}},
		{"steady: no Pebble change", string(layerA), "a", false, nil},
		{"new config: restart", string(layerA), "b", false, []string{"restart"}},
		{"new layer: replan", string(layerB), "b", false, []string{"replan"}},
		{"stopped: start", string(layerB), "b", true, []string{"start"}},
	}
	for _, s := range steps {
		p.changes = nil
		if s.stopped {
			p.active = false
		}
		if _, err := planWorkload(t.Context(), ctr, []byte(s.layer), []byte(s.config), ""); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !slices.Equal(p.changes, s.want) {
			t.Errorf("%s: changes %q, want %q", s.name, p.changes, s.want)
		}
	}
}

func TestPlanWorkloadTrustsItsFingerprintWhilePlanIsUnchanged(t *testing.T) {
	t.Parallel()
	p := &planRecorder{}
	ctr := workload.New(containerName, p, nil)
	layer := pebbleLayer(defaultSettings())
	steps := []struct {
		name           string
		config         string
		stopped        bool
		pebbleRestart  bool
		want           []string
		wantReads      bool
		wantServiceMap bool
	}{
		{"first: applied", "a", false, false, []string{"restart"}, true, false},
		{"steady: the services only", "a", false, false, nil, false, true},
		{"stopped: start without re-applying", "a", true, false, []string{"start"}, false, false},
		{"new config: applied again", "b", false, false, []string{"restart"}, true, false},
		{"steady again", "b", false, false, nil, false, true},
		{"Pebble restarted, plan lost: applied again", "b", false, true, []string{"replan"}, true, false},
		{"steady after the restart", "b", false, false, nil, false, true},
	}
	applied := ""
	for _, s := range steps {
		p.changes, p.reads, p.planReads, p.serviceReads = nil, 0, 0, 0
		if s.stopped {
			p.active = false
		}
		if s.pebbleRestart {
			p.plan = nil
		}
		got, err := planWorkload(t.Context(), ctr, layer, []byte(s.config), applied)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		applied = got.fingerprint
		if !slices.Equal(p.changes, s.want) {
			t.Errorf("%s: changes %q, want %q", s.name, p.changes, s.want)
		}
		if (p.reads > 0) != s.wantReads {
			t.Errorf("%s: %d AddLayer/Pull calls, want some: %v", s.name, p.reads, s.wantReads)
		}
		if (got.services != nil) != s.wantServiceMap {
			t.Errorf("%s: services %v, want them: %v", s.name, got.services, s.wantServiceMap)
		}
		if s.wantServiceMap && (p.planReads != 0 || p.serviceReads != 1) {
			t.Errorf("%s: %d plan and %d services reads, want one Pebble call", s.name, p.planReads, p.serviceReads)
		}
	}
}
