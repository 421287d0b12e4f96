package controller_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/jujuc/rpc"
	"github.com/identity-platform-go/charms/internal/jujuc/rpc/rpcserver"
	"github.com/identity-platform-go/charms/internal/unitctx"
)

// BenchmarkHookToolRoundTrip is one `config-get` from a hook: the
// hook-tool client's call over Juju's transport to the controller's
// server and back (the in-process part of a tool call; the exec of the
// tool binary is in BenchmarkHookToolExec). It reports p50 and p99.
func BenchmarkHookToolRoundTrip(b *testing.B) {
	meta, err := charmcraft.Parse([]byte("name: bench\ntype: charm\nsummary: s\ndescription: d\nconfig:\n  options:\n    x: {type: string, default: a}\n"))
	if err != nil {
		b.Fatal(err)
	}
	hook, err := unitctx.Begin(unitctx.Params{Meta: meta, Env: charm.Env{UnitName: "bench/0", CharmDir: "/"},
		Event: charm.Event{Kind: charm.UpdateStatus, Name: "update-status", RelationID: -1}, Config: map[string]any{"x": "a"}})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := rpcserver.New("")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	session, err := srv.Register("bench/0-update-status-1", hook.Context())
	if err != nil {
		b.Fatal(err)
	}
	env := session.Environ()
	client, err := rpc.ClientFromEnv(func(k string) string { return env[k] }, "/")
	if err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		resp, err := client.Call("config-get", []string{"x"}, nil)
		lat = append(lat, time.Since(start))
		if err != nil || resp.Code != 0 {
			b.Fatalf("config-get: %+v, %v", resp, err)
		}
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

// BenchmarkHookToolExec is the same call through the tool binary, as a
// charm makes it: process start included.
func BenchmarkHookToolExec(b *testing.B) {
	build := built(b)
	meta, _ := charmcraft.Parse([]byte("name: bench\ntype: charm\nsummary: s\ndescription: d\nconfig:\n  options:\n    x: {type: string, default: a}\n"))
	hook, err := unitctx.Begin(unitctx.Params{Meta: meta, Env: charm.Env{UnitName: "bench/0", CharmDir: "/"},
		Event: charm.Event{Kind: charm.UpdateStatus, Name: "update-status", RelationID: -1}, Config: map[string]any{"x": "a"}})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := rpcserver.New("")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	session, err := srv.Register("bench/0-update-status-1", hook.Context())
	if err != nil {
		b.Fatal(err)
	}
	tool := filepath.Join(b.TempDir(), "config-get")
	if err := os.Symlink(filepath.Join(build, "jujuc"), tool); err != nil {
		b.Fatal(err)
	}
	var vars []string
	for k, v := range session.Environ() {
		vars = append(vars, k+"="+v)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		cmd := exec.Command(tool, "x")
		cmd.Env = vars
		start := time.Now()
		out, err := cmd.Output()
		lat = append(lat, time.Since(start))
		if err != nil || string(out) != "a\n" {
			b.Fatalf("config-get: %q, %v", out, err)
		}
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// noopCharm writes a charm whose dispatch does nothing, with one action:
// running that action measures what the controller adds to every hook
// (queueing, projection, the pod exec with Juju's environment, commit).
func noopCharm(b testing.TB) string {
	dir := filepath.Join(b.TempDir(), "noop")
	files := map[string]string{
		"metadata.yaml": "name: noop\nsummary: s\ndescription: d\ncontainers: {}\n",
		"actions.yaml":  "noop:\n  description: does nothing\n",
		"manifest.yaml": "bases:\n- name: ubuntu\n  channel: \"22.04\"\n  architectures: [amd64]\n",
		"dispatch":      "#!/bin/sh\nexit 0\n",
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for name, content := range files {
		mode := os.FileMode(0o644)
		if name == "dispatch" {
			mode = 0o755
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), mode); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkDispatchOverhead runs a no-op action on a unit whose dispatch
// does nothing: the time is the controller's own per-hook cost.
func BenchmarkDispatchOverhead(b *testing.B) {
	e := newEnvTB(b)
	if _, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: "test", Path: noopCharm(b), ApplicationName: "noop", NumUnits: 1, NumUnitsSet: true}, nil); err != nil {
		b.Fatal(err)
	}
	e.settle()
	b.ResetTimer()
	for range b.N {
		op, err := e.c.Run(e.ctx, api.RunRequest{Model: "test", Args: []string{"noop/0", "noop"}})
		if err != nil {
			b.Fatal(err)
		}
		res, err := e.c.WaitTask(e.ctx, api.WaitTaskRequest{Model: "test", ID: op.Tasks[0].ID, Wait: time.Minute}, nil)
		if err != nil || res.Status != "completed" {
			b.Fatalf("noop: %+v, %v", res, err)
		}
	}
}

// BenchmarkDeployBundleToIdle deploys a three-application bundle (three
// recorders, related) into a fresh model and waits until every unit is
// idle.
func BenchmarkDeployBundleToIdle(b *testing.B) {
	e := newEnvTB(b)
	bundle := filepath.Join(b.TempDir(), "bundle.yaml")
	rec := e.charm("recorder")
	content := fmt.Sprintf(`bundle: kubernetes
applications:
  one: {charm: %[1]s, scale: 1}
  two: {charm: %[1]s, scale: 1}
  three: {charm: %[1]s, scale: 1}
relations:
  - [one:source, two:sink]
  - [two:source, three:sink]
`, rec)
	if err := os.WriteFile(bundle, []byte(content), 0o600); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		name := fmt.Sprintf("bench-%d", i)
		if _, err := e.c.AddModel(e.ctx, api.AddModelRequest{Name: name}); err != nil {
			b.Fatal(err)
		}
		if _, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: name, Path: bundle}, nil); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(e.ctx, 2*time.Minute)
		if err := e.c.WaitIdle(ctx, name, 300*time.Millisecond); err != nil {
			b.Fatal(err)
		}
		cancel()
		b.StopTimer()
		if err := e.c.DestroyModel(e.ctx, api.DestroyModelRequest{Name: name}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
