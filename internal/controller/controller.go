// Package controller is the local model controller: what Juju 3.6 does
// for a model, on one machine. It owns models (internal/controller/model,
// saved on disk), runs one unit agent per unit — the uniter's ordering
// from internal/controller/uniter, hooks executed inside the unit's pod
// (internal/pod) through the charm's dispatch, hook tools answered over
// Juju's own transport (internal/jujuc/rpc) against the unit's projected
// view (internal/unitctx) — and serves the CLI through api.Backend.
//
// It is the embedded default for development, demos and tests; production
// runs on Juju and Kubernetes. It needs root, for the pods' network and
// mount namespaces.
package controller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/controller/model"
	"github.com/identity-platform-go/charms/internal/images"
	"github.com/identity-platform-go/charms/internal/pod"
)

// JujuVersion is the Juju version the controller behaves as.
const JujuVersion = "3.6.11"

// DefaultModel is the model bootstrap creates and commands use by default.
const DefaultModel = "default"

// Config configures a controller.
type Config struct {
	// Name is the controller's name ("local").
	Name string
	// StateDir holds the models (StateDir/models/<name>/) and the pods'
	// records and storage (StateDir/pods).
	StateDir string
	// RunDir holds what does not outlive the machine: hook-tool
	// directories and sockets. Keep it short (unix socket paths are
	// limited to 107 bytes).
	RunDir string
	// WorkloadsDir is where `make workloads` installed the workloads
	// (.workloads): the image catalog resolves against it, and its
	// bin/pebble runs in every workload container.
	WorkloadsDir string
	// ToolBinary is the hook-tool client (cmd/jujuc, or a binary that
	// acts as one when called under a tool's name); it is linked into
	// every unit's tools directory.
	ToolBinary string
	// Bridge and Subnet name the pods' network (pod.DefaultBridge and
	// pod.DefaultSubnet when empty).
	Bridge string
	Subnet netip.Prefix
	// PebblePollInterval is how often a unit agent asks each Pebble for
	// its boot ID (Juju: 5 s).
	PebblePollInterval time.Duration
	// UpdateStatusInterval is new models' update-status-hook-interval
	// (Juju: 5 min).
	UpdateStatusInterval time.Duration
	// Logf receives the controller's own diagnostics.
	Logf func(format string, args ...any)
}

func (c Config) withDefaults() (Config, error) {
	if c.Name == "" {
		c.Name = "local"
	}
	if c.StateDir == "" || c.RunDir == "" || c.WorkloadsDir == "" || c.ToolBinary == "" {
		return c, errors.New("controller: StateDir, RunDir, WorkloadsDir and ToolBinary are required")
	}
	if c.PebblePollInterval <= 0 {
		c.PebblePollInterval = 5 * time.Second
	}
	if c.UpdateStatusInterval <= 0 {
		c.UpdateStatusInterval = model.DefaultUpdateStatusInterval
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	for _, p := range []*string{&c.StateDir, &c.RunDir, &c.WorkloadsDir, &c.ToolBinary} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return c, err
		}
		*p = abs
	}
	return c, nil
}

// Controller is a running local controller. It implements api.Backend.
type Controller struct {
	cfg     Config
	rt      *pod.Runtime
	catalog *images.Catalog

	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	models map[string]*modelRuntime
	closed bool
}

var _ api.Backend = (*Controller)(nil)

// New starts a controller: it opens the pod runtime (cleaning up what a
// killed controller left), loads every model from StateDir and restarts
// every unit — a pod churn, as when Kubernetes reschedules a pod: start
// and pebble-ready run again, install does not.
func New(ctx context.Context, cfg Config) (*Controller, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("the local controller needs root: its pods are Linux network and mount namespaces (%w)", pod.ErrNotRoot)
	}
	for _, d := range []string{cfg.StateDir, filepath.Join(cfg.StateDir, "models"), cfg.RunDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("controller: %w", err)
		}
	}
	catalog, err := images.Default()
	if err != nil {
		return nil, fmt.Errorf("controller: image catalog: %w", err)
	}
	rt, err := pod.Open(pod.Config{
		StateDir: filepath.Join(cfg.StateDir, "pods"),
		RunDir:   filepath.Join(cfg.RunDir, "pods"),
		Pebble:   filepath.Join(cfg.WorkloadsDir, "bin", "pebble"),
		Bridge:   cfg.Bridge,
		Subnet:   cfg.Subnet,
		Logf:     cfg.Logf,
	})
	if err != nil {
		return nil, fmt.Errorf("controller: %w", err)
	}
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c := &Controller{cfg: cfg, rt: rt, catalog: catalog, ctx: cctx, cancel: cancel, models: map[string]*modelRuntime{}}
	entries, err := os.ReadDir(filepath.Join(cfg.StateDir, "models"))
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("controller: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		mr, err := c.loadModel(e.Name())
		if err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("controller: loading model %q: %w", e.Name(), err)
		}
		c.models[mr.name] = mr
	}
	for _, mr := range c.models {
		mr.startAgents()
	}
	return c, nil
}

// NewBackend is the api.NewBackend the daemon uses: the controller with
// its directories under cfg.StateDir, the workloads next to the daemon's
// binary or in $JUJU_LOCAL_WORKLOADS, and the daemon's own binary as the
// hook-tool client.
func NewBackend(ctx context.Context, cfg api.ControllerConfig) (api.Backend, io.Closer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	workloads := os.Getenv("JUJU_LOCAL_WORKLOADS")
	if workloads == "" {
		// The repository's .workloads: beside the working directory, or
		// above build/ where `make juju-local` puts the binary.
		workloads = ".workloads"
		if _, err := os.Stat(workloads); err != nil {
			workloads = filepath.Join(filepath.Dir(exe), "..", ".workloads")
		}
	}
	runDir := os.Getenv("JUJU_LOCAL_RUN_DIR")
	if runDir == "" {
		runDir = "/run/juju-local"
	}
	c, err := New(ctx, Config{
		Name:         cfg.Name,
		StateDir:     cfg.StateDir,
		RunDir:       runDir,
		WorkloadsDir: workloads,
		ToolBinary:   exe,
	})
	if err != nil {
		return nil, nil, err
	}
	if _, err := c.model(DefaultModel); err != nil {
		if _, err := c.AddModel(ctx, api.AddModelRequest{Name: DefaultModel}); err != nil && !errors.Is(err, api.ErrAlreadyExists) {
			_ = c.Close()
			return nil, nil, err
		}
	}
	return c, c, nil
}

// Close stops every unit agent and pod (storage and records stay, so the
// next New picks the models up again) and closes the pod runtime.
func (c *Controller) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	models := slices.Collect(maps.Values(c.models))
	c.mu.Unlock()
	c.cancel()
	var errs []error
	for _, mr := range models {
		errs = append(errs, mr.close())
	}
	errs = append(errs, c.rt.Close())
	return errors.Join(errs...)
}

// model returns a loaded model.
func (c *Controller) model(name string) (*modelRuntime, error) {
	if name == "" {
		name = DefaultModel
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	mr := c.models[name]
	if mr == nil {
		return nil, api.Errorf(api.CodeNotFoundModel, "model %q not found", name)
	}
	return mr, nil
}

func (c *Controller) modelDir(name string) string {
	return filepath.Join(c.cfg.StateDir, "models", name)
}

// WaitIdle waits until every unit of the model is idle or in error and
// has stayed so for settle.
func (c *Controller) WaitIdle(ctx context.Context, modelName string, settle time.Duration) error {
	mr, err := c.model(modelName)
	if err != nil {
		return err
	}
	return mr.waitIdle(ctx, settle)
}
