package controller

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/controller/model"
)

// testController is a controller with one model, "default", and
// one agent that is not running (its wake channel shows pokes): enough
// for the calls that need no pods (model config, secrets, tasks).
func testController(t *testing.T) (*Controller, *modelRuntime, *agent) {
	t.Helper()
	c := &Controller{
		cfg:    Config{Name: "local", StateDir: t.TempDir(), UpdateStatusInterval: model.DefaultUpdateStatusInterval, Logf: t.Logf},
		models: map[string]*modelRuntime{},
	}
	mr, err := c.newModelRuntime(DefaultModel, model.New(DefaultModel))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mr.log.Close() })
	mr.save() // as AddModel does
	c.models[DefaultModel] = mr
	a := newAgent(mr, "hydra/0", false)
	mr.agents[a.unit] = a
	return c, mr, a
}

func poked(a *agent) bool {
	select {
	case <-a.wake:
		return true
	default:
		return false
	}
}

func TestModelConfig(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		req      api.SetModelConfigRequest
		err      string
		code     *api.Error
		interval time.Duration // the model's afterwards
		poke     bool
		shown    api.ModelConfigValue
	}{
		{name: "set", req: api.SetModelConfigRequest{Set: map[string]any{"update-status-hook-interval": "1m"}},
			interval: time.Minute, poke: true, shown: api.ModelConfigValue{Value: "1m", Source: "model"}},
		// Juju 3.6 accepts intervals outside 1m..60m (its range check
		// annotates a nil error); charm test suites use 10s.
		{name: "short, as Juju accepts", req: api.SetModelConfigRequest{Set: map[string]any{"update-status-hook-interval": "10s"}},
			interval: 10 * time.Second, poke: true, shown: api.ModelConfigValue{Value: "10s", Source: "model"}},
		{name: "long", req: api.SetModelConfigRequest{Set: map[string]any{"update-status-hook-interval": "90m"}},
			interval: 90 * time.Minute, poke: true, shown: api.ModelConfigValue{Value: "1h30m", Source: "model"}},
		{name: "the default again changes nothing", req: api.SetModelConfigRequest{Set: map[string]any{"update-status-hook-interval": "300s"}},
			interval: 5 * time.Minute, shown: api.ModelConfigValue{Value: "5m", Source: "default"}},
		{name: "reset then set", req: api.SetModelConfigRequest{Reset: []string{"update-status-hook-interval", "no-such-key"}, Set: map[string]any{"update-status-hook-interval": "2m"}},
			interval: 2 * time.Minute, poke: true, shown: api.ModelConfigValue{Value: "2m", Source: "model"}},
		{name: "not a duration", req: api.SetModelConfigRequest{Set: map[string]any{"update-status-hook-interval": "soon"}},
			err: `invalid update status hook interval in model configuration: time: invalid duration "soon"`, code: api.ErrNotValid,
			interval: 5 * time.Minute, shown: api.ModelConfigValue{Value: "5m", Source: "default"}},
		{name: "not positive", req: api.SetModelConfigRequest{Set: map[string]any{"update-status-hook-interval": "0s"}},
			err: `invalid update status hook interval in model configuration: "0s" is not a positive duration`, code: api.ErrNotValid,
			interval: 5 * time.Minute, shown: api.ModelConfigValue{Value: "5m", Source: "default"}},
		{name: "not a string", req: api.SetModelConfigRequest{Set: map[string]any{"update-status-hook-interval": 300.0}},
			err: "update-status-hook-interval: expected string, got float64(300)", code: api.ErrNotValid,
			interval: 5 * time.Minute, shown: api.ModelConfigValue{Value: "5m", Source: "default"}},
		{name: "read-only", req: api.SetModelConfigRequest{Set: map[string]any{"agent-version": "4.0.0", "update-status-hook-interval": "1m"}},
			err: `"agent-version" must be set via "upgrade-model"`, code: api.ErrNotValid,
			interval: 5 * time.Minute, shown: api.ModelConfigValue{Value: "5m", Source: "default"}},
		{name: "agent-version cannot be reset", req: api.SetModelConfigRequest{Reset: []string{"agent-version"}},
			err: `"agent-version" cannot be reset`, code: api.ErrNotValid,
			interval: 5 * time.Minute, shown: api.ModelConfigValue{Value: "5m", Source: "default"}},
		{name: "unknown key, nothing applied", req: api.SetModelConfigRequest{Set: map[string]any{"update-status-hook-interval": "1m", "ftp-proxy": "x"}},
			err: `model config key "ftp-proxy" is not supported by the local controller (it knows agent-version, update-status-hook-interval)`, code: api.ErrNotSupported,
			interval: 5 * time.Minute, shown: api.ModelConfigValue{Value: "5m", Source: "default"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mr, a := testController(t)
			err := c.SetModelConfig(ctx, tc.req)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || err.Error() != tc.err) {
				t.Fatalf("SetModelConfig = %v, want %q", err, tc.err)
			}
			if tc.code != nil && !errors.Is(err, tc.code) {
				t.Errorf("error code = %v, want %q", err, tc.code.Code)
			}
			if got := mr.m.UpdateStatusInterval; got != tc.interval {
				t.Errorf("interval = %v, want %v", got, tc.interval)
			}
			if got := poked(a); got != tc.poke {
				t.Errorf("agent poked = %v, want %v", got, tc.poke)
			}
			// The change is saved with the model.
			saved, err := model.Load(mr.dir)
			if err != nil {
				t.Fatal(err)
			}
			if saved.UpdateStatusInterval != tc.interval {
				t.Errorf("saved interval = %v, want %v", saved.UpdateStatusInterval, tc.interval)
			}
			cfg, err := c.ModelConfig(ctx, api.ModelConfigRequest{})
			if err != nil {
				t.Fatal(err)
			}
			want := api.ModelConfig{"agent-version": {Value: JujuVersion, Source: "model"}, "update-status-hook-interval": tc.shown}
			if !reflect.DeepEqual(cfg, want) {
				t.Errorf("ModelConfig = %+v, want %+v", cfg, want)
			}
		})
	}
}

func TestModelConfigUnknownModel(t *testing.T) {
	t.Parallel()
	c, _, _ := testController(t)
	_, err := c.ModelConfig(context.Background(), api.ModelConfigRequest{Model: "nope"})
	if !errors.Is(err, api.ErrModelNotFound) || err.Error() != `model "nope" not found` {
		t.Errorf("ModelConfig(nope) = %v", err)
	}
	err = c.SetModelConfig(context.Background(), api.SetModelConfigRequest{Model: "nope", Set: map[string]any{"update-status-hook-interval": "1m"}})
	if !errors.Is(err, api.ErrModelNotFound) {
		t.Errorf("SetModelConfig(nope) = %v", err)
	}
}

func TestUpdateStatusTimerFollowsTheModel(t *testing.T) {
	t.Parallel()
	timer := newUpdateStatusTimer(time.Hour)
	defer timer.Stop()
	timer.follow(time.Hour) // unchanged: not restarted
	if timer.interval != time.Hour {
		t.Fatalf("interval = %v", timer.interval)
	}
	start := time.Now()
	timer.follow(20 * time.Millisecond)
	select {
	case <-timer.C:
		if took := time.Since(start); took < 16*time.Millisecond {
			t.Errorf("fired after %v, before 80%% of the new interval", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the timer kept the old interval")
	}
	if timer.interval != 20*time.Millisecond {
		t.Errorf("interval = %v", timer.interval)
	}
}

func TestUpdateStatusJitter(t *testing.T) {
	t.Parallel()
	// As Juju's uniter: within [0.8, 1.2) of the interval, and spread
	// (not the same wait for every unit).
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := jittered(5 * time.Minute)
		if d < 4*time.Minute || d >= 6*time.Minute {
			t.Fatalf("jittered(5m) = %v, want within [4m, 6m)", d)
		}
		seen[d] = true
	}
	if len(seen) < 900 {
		t.Errorf("only %d distinct waits in 1000", len(seen))
	}
	if d := jittered(0); d != 0 {
		t.Errorf("jittered(0) = %v", d)
	}
}

func TestFormatInterval(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		5 * time.Minute:         "5m",
		time.Hour:               "1h",
		90 * time.Second:        "1m30s",
		10 * time.Second:        "10s",
		time.Hour + time.Second: "1h0m1s",
		1500 * time.Millisecond: "1.5s",
	} {
		if got := formatInterval(d); got != want {
			t.Errorf("formatInterval(%v) = %q, want %q", d, got, want)
		}
	}
}
