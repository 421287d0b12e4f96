package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/controller/debuglog"
	"github.com/identity-platform-go/charms/internal/controller/model"
)

// modelRuntime is one loaded model: its state, its log and its agents.
// mu guards m, metas, agents and tasks; agents take it only between hooks,
// never while a hook runs.
type modelRuntime struct {
	c    *Controller
	name string
	dir  string
	log  *debuglog.Log

	mu     sync.Mutex
	m      *model.Model
	metas  map[string]*charmcraft.Charm // by application
	agents map[string]*agent            // by unit name
	tasks  map[string]*task
	// nextTask numbers operations and tasks as Juju does (1, 2, …).
	nextTask int
	// taskDone is closed and replaced whenever a task changes.
	taskDone chan struct{}

	wg sync.WaitGroup
}

func (c *Controller) newModelRuntime(name string, m *model.Model) (*modelRuntime, error) {
	dir := c.modelDir(name)
	if err := os.MkdirAll(filepath.Join(dir, "charms"), 0o700); err != nil {
		return nil, err
	}
	log, err := debuglog.Open(filepath.Join(dir, "debug.log"))
	if err != nil {
		return nil, err
	}
	return &modelRuntime{
		c: c, name: name, dir: dir, log: log, m: m,
		metas: map[string]*charmcraft.Charm{}, agents: map[string]*agent{},
		tasks: map[string]*task{}, taskDone: make(chan struct{}),
	}, nil
}

func (c *Controller) loadModel(name string) (*modelRuntime, error) {
	m, err := model.Load(c.modelDir(name))
	if err != nil {
		return nil, err
	}
	mr, err := c.newModelRuntime(name, m)
	if err != nil {
		return nil, err
	}
	for appName, app := range m.Applications {
		meta, err := loadMeta(app.CharmDir)
		if err != nil {
			return nil, fmt.Errorf("application %q: %w", appName, err)
		}
		mr.metas[appName] = meta
	}
	return mr, nil
}

// save writes the model; the caller holds mu. A model that cannot be
// saved is logged: the controller goes on, as losing a save only loses
// what a restart would replay.
func (mr *modelRuntime) save() {
	if err := mr.m.Save(mr.dir); err != nil {
		mr.c.cfg.Logf("model %s: saving: %v", mr.name, err)
	}
}

// poke wakes every agent of the model: something changed.
func (mr *modelRuntime) poke() {
	for _, a := range mr.agents {
		a.poke()
	}
}

// startAgents starts an agent for every unit (controller start: a pod
// churn for units that already ran).
func (mr *modelRuntime) startAgents() {
	mr.mu.Lock()
	defer mr.mu.Unlock()
	for _, app := range mr.m.Applications {
		for _, u := range app.Units {
			mr.startAgentLocked(u.Name, true)
		}
	}
}

// startAgentLocked starts the agent of unit (caller holds mu).
func (mr *modelRuntime) startAgentLocked(unit string, restart bool) {
	if mr.agents[unit] != nil {
		return
	}
	a := newAgent(mr, unit, restart)
	mr.agents[unit] = a
	mr.wg.Add(1)
	go func() {
		defer mr.wg.Done()
		a.run(mr.c.ctx)
	}()
}

// close stops every agent and its pod.
func (mr *modelRuntime) close() error {
	mr.mu.Lock()
	agents := slices.Collect(maps.Values(mr.agents))
	mr.mu.Unlock()
	for _, a := range agents {
		a.stop()
	}
	mr.wg.Wait()
	return mr.log.Close()
}

// logf writes a controller line for an entity into the model's log.
func (mr *modelRuntime) logf(entity, level, module, format string, args ...any) {
	_ = mr.log.Logf(entity, level, module, format, args...)
}

// waitIdle waits until every unit is idle or in error, or ctx ends.
func (mr *modelRuntime) waitIdle(ctx context.Context, settle time.Duration) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	var idleSince time.Time
	for {
		mr.mu.Lock()
		busy := false
		for _, a := range mr.agents {
			if a.busy() {
				busy = true
			}
		}
		mr.mu.Unlock()
		switch {
		case busy:
			idleSince = time.Time{}
		case idleSince.IsZero():
			idleSince = time.Now()
		case time.Since(idleSince) >= settle:
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.New("timed out waiting for the model to settle")
		case <-t.C:
		}
	}
}
