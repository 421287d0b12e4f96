package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/controller/debuglog"
	"github.com/identity-platform-go/charms/internal/controller/model"
	"github.com/identity-platform-go/charms/internal/controller/uniter"
	"github.com/identity-platform-go/charms/internal/controller/workloadwatch"
	"github.com/identity-platform-go/charms/internal/pod"
	"github.com/identity-platform-go/charms/internal/unitctx"
)

// agent is one unit's agent: it runs one hook or action at a time, in the
// order internal/controller/uniter decides, inside the unit's pod.
type agent struct {
	mr      *modelRuntime
	unit    string
	app     string
	tag     string // unit-hydra-0
	restart bool   // the unit already ran before: this start is a pod churn

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}

	// Guarded by mr.mu.
	local        uniter.Local
	executing    bool
	containers   map[string]*containerState
	updateStatus int
	pending      []uniter.PendingAction
	pod          *pod.Pod
	runner       *hookRunner
	setupErr     error
}

// containerState is what the agent learnt from one container's Pebble.
type containerState struct {
	boot    int
	bootID  string
	seq     int64
	notices []uniter.Notice
}

func newAgent(mr *modelRuntime, unit string, restart bool) *agent {
	app, _, _ := strings.Cut(unit, "/")
	return &agent{
		mr: mr, unit: unit, app: app, tag: debuglog.UnitTag(unit), restart: restart,
		wake: make(chan struct{}, 1), done: make(chan struct{}),
		containers: map[string]*containerState{},
	}
}

// poke wakes the agent to look at the model again.
func (a *agent) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// stop ends the agent and waits for it (a hook in progress is killed with
// its process group).
func (a *agent) stop() {
	a.mr.mu.Lock()
	cancel := a.cancel
	a.mr.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	<-a.done
}

// busy reports (under mr.mu) whether the agent has something to do now.
func (a *agent) busy() bool {
	switch {
	case a.executing:
		return true
	case a.setupErr != nil || a.local.Failed != nil:
		return false
	case a.runner == nil:
		return true // the pod is starting
	}
	_, ok := uniter.Next(a.local, a.remoteLocked())
	return ok
}

func (a *agent) logf(level, format string, args ...any) {
	a.mr.logf(a.tag, level, "juju.worker.uniter", format, args...)
}

// run is the agent's life: set up the pod, then loop over ops until the
// unit is removed or ctx ends.
func (a *agent) run(ctx context.Context) {
	defer close(a.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.mr.mu.Lock()
	a.cancel = cancel
	a.loadLocalLocked()
	a.mr.mu.Unlock()

	if err := a.setup(ctx); err != nil {
		a.mr.mu.Lock()
		a.setupErr = err
		a.mr.mu.Unlock()
		if ctx.Err() == nil {
			a.logf("ERROR", "starting the unit's pod: %v", err)
			a.setAgentStatus(model.Status{Name: "error", Message: "cannot start pod: " + err.Error()})
		}
		return
	}
	defer a.runner.close()

	var watchWG sync.WaitGroup
	watchWG.Add(1)
	go func() {
		defer watchWG.Done()
		a.watchWorkloads(ctx)
	}()
	defer func() {
		// The watchers end with the agent's context: cancel first, or a
		// removed unit's watchers would keep polling and the wait never
		// end.
		cancel()
		watchWG.Wait()
	}()

	updateStatus := newUpdateStatusTimer(a.updateStatusInterval())
	defer updateStatus.Stop()
	var retry <-chan time.Time
	for {
		// A model-config change pokes the agent: restart the timer with
		// the model's new interval.
		updateStatus.follow(a.updateStatusInterval())
		a.mr.mu.Lock()
		if _, err := a.mr.m.SyncScopes(a.unit); err != nil && !errors.Is(err, model.ErrCannotEnterScope) {
			a.logf("ERROR", "entering relation scopes: %v", err)
		}
		remote := a.remoteLocked()
		op, ok := uniter.Next(a.local, remote)
		if ok {
			a.executing = true
		}
		failed := a.local.Failed
		a.mr.mu.Unlock()

		if ok {
			gone := a.execute(ctx, op)
			if gone || ctx.Err() != nil {
				return
			}
			continue
		}
		if remote.Life == uniter.Dead {
			return
		}
		retry = nil
		if failed != nil && failed.Next == uniter.Wait {
			retry = time.After(uniter.RetryDelay(failed.Failures))
		}
		a.setAgentIdle()
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		case <-retry:
			a.mr.mu.Lock()
			a.local = uniter.Retry(a.local)
			a.mr.mu.Unlock()
		case <-updateStatus.C:
			a.mr.mu.Lock()
			a.updateStatus++
			a.mr.mu.Unlock()
			updateStatus.restart()
		}
	}
}

// updateStatusTimer fires when a unit's update-status is due.
type updateStatusTimer struct {
	*time.Timer
	interval time.Duration
}

func newUpdateStatusTimer(interval time.Duration) *updateStatusTimer {
	return &updateStatusTimer{Timer: time.NewTimer(jittered(interval)), interval: interval}
}

// jittered is how long Juju's uniter actually waits for an update-status
// of the nominal interval: a random time within ±20% of it (uniter's
// NewUpdateStatusTimer), so that the units of a model do not all run the
// hook at the same moment.
func jittered(interval time.Duration) time.Duration {
	window := int64(interval) * 2 / 5
	if window <= 0 {
		return interval
	}
	return interval*4/5 + time.Duration(rand.Int64N(window))
}

// restart waits a new (jittered) interval from now.
func (t *updateStatusTimer) restart() { t.Reset(jittered(t.interval)) }

// follow restarts the timer with interval when it differs from the
// current one, as Juju's remote-state watcher resets its update-status
// timer when the model's update-status-hook-interval changes: the next
// update-status comes a whole new interval after the change.
func (t *updateStatusTimer) follow(interval time.Duration) {
	if interval == t.interval {
		return
	}
	t.interval = interval
	t.restart()
}

func (a *agent) updateStatusInterval() time.Duration {
	a.mr.mu.Lock()
	defer a.mr.mu.Unlock()
	return effectiveInterval(a.mr.m.UpdateStatusInterval)
}

// loadLocalLocked restores the uniter's local state from the model; a
// restarted agent (a pod churn) goes through uniter.Restart.
func (a *agent) loadLocalLocked() {
	_, u, err := a.mr.m.Unit(a.unit)
	if err != nil {
		return
	}
	if len(u.UniterState) > 0 {
		if err := json.Unmarshal(u.UniterState, &a.local); err != nil {
			a.logf("ERROR", "reading the uniter state: %v", err)
		}
	}
	if a.restart {
		a.local = uniter.Restart(a.local, a.remoteLocked())
	}
}

// saveLocalLocked writes the uniter's local state into the model.
func (a *agent) saveLocalLocked() {
	_, u, err := a.mr.m.Unit(a.unit)
	if err != nil {
		return
	}
	data, err := json.Marshal(a.local)
	if err != nil {
		a.logf("ERROR", "saving the uniter state: %v", err)
		return
	}
	u.UniterState = data
}

// remoteLocked is the uniter's snapshot of the model for this unit.
func (a *agent) remoteLocked() uniter.Remote {
	m := a.mr.m
	app, u, err := m.Unit(a.unit)
	if err != nil {
		return uniter.Remote{Unit: a.unit, Life: uniter.Dead}
	}
	r := uniter.Remote{
		Unit:                  a.unit,
		Life:                  uniter.Life(u.Life),
		Leader:                app.Leader == a.unit,
		LeaderSettingsVersion: 1,
		CharmURL:              "local:" + app.Charm,
		CharmModifiedVersion:  app.CharmModifiedVersion,
		ConfigHash:            configHash(app.Config),
		TrustHash:             strconv.FormatBool(app.Trust),
		AddressHash:           "address:" + u.Address,
		UpdateStatusVersion:   a.updateStatus,
		Relations:             map[int]uniter.RemoteRelation{},
		Containers:            map[string]uniter.RemoteContainer{},
		Secrets: uniter.RemoteSecrets{
			Consumed: map[string]uniter.ConsumedSecret{},
			Obsolete: map[string][]int{},
		},
		Actions: slices.Clone(a.pending),
	}
	if app.Life != model.Alive && r.Life == uniter.Alive {
		r.Life = uniter.Dying
	}
	for id, rel := range m.Relations {
		if !rel.InScope(a.unit) {
			continue
		}
		ep, _ := rel.Endpoint(a.app)
		rr := uniter.RemoteRelation{
			Endpoint: ep.Name, Peer: rel.Peer(), Life: uniter.Life(rel.Life),
			RemoteApp: rel.Other(a.app), Members: map[string]int64{},
		}
		rr.AppVersion = rel.AppDataVersion[rr.RemoteApp]
		for _, member := range rel.Members[rr.RemoteApp] {
			if member != a.unit {
				rr.Members[member] = rel.UnitDataVersion[member]
			}
		}
		r.Relations[id] = rr
	}
	for name, cs := range a.containers {
		r.Containers[name] = uniter.RemoteContainer{PebbleBoot: cs.boot, Notices: slices.Clone(cs.notices)}
	}
	for _, s := range m.Secrets {
		switch {
		case s.Owner.Kind == model.OwnerApplication && s.Owner.Name == a.app && r.Leader,
			s.Owner.Kind == model.OwnerUnit && s.Owner.Name == a.unit:
			if revs := s.Obsolete(); len(revs) > 0 {
				r.Secrets.Obsolete[s.URI] = revs
			}
		case s.Owner.Kind == model.OwnerApplication && s.Owner.Name == a.app:
		default:
			if c, ok := s.Consumers[a.unit]; ok && c.TrackedRevision > 0 {
				r.Secrets.Consumed[s.URI] = uniter.ConsumedSecret{Label: c.Label, Revision: s.LatestRevision}
			}
		}
	}
	_ = u
	return r
}

// configHash identifies the operator's settings (config-changed runs when
// it changes).
func configHash(cfg model.Settings) string {
	data, _ := json.Marshal(map[string]any(cfg)) // map keys are sorted
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// execute runs one op and records its outcome; it reports whether the
// unit is gone (its remove hook ran).
func (a *agent) execute(ctx context.Context, op uniter.Op) (gone bool) {
	defer func() {
		a.mr.mu.Lock()
		a.executing = false
		a.mr.mu.Unlock()
	}()
	if !op.Runs() {
		a.mr.mu.Lock()
		a.local = uniter.Commit(a.local, op)
		a.saveLocalLocked()
		a.mr.save()
		a.mr.mu.Unlock()
		return false
	}

	mr := a.mr
	mr.mu.Lock()
	in, err := mr.m.UnitState(a.unit)
	if err != nil {
		mr.mu.Unlock()
		return true
	}
	app, u, _ := mr.m.Unit(a.unit)
	meta := mr.metas[a.app]
	params := unitctx.Params{
		Meta: meta,
		Env: charm.Env{
			UnitName: a.unit, AppName: a.app, ModelName: mr.m.Name, ModelUUID: mr.m.UUID,
			CharmDir: a.runner.spec.CharmPath(), JujuVersion: JujuVersion,
		},
		Event:  op.Event,
		State:  in,
		Config: settings(meta, app.Config),
	}
	var t *task
	if op.Kind == uniter.RunAction {
		t = mr.tasks[op.ActionID]
		if t != nil {
			params.ActionParams = t.params
			t.status, t.started = "running", time.Now()
			mr.taskChangedLocked()
		}
	}
	what := hookDescription(op)
	if op.Event.Kind == charm.Install && u.WorkloadStatus.Name != "maintenance" {
		u.WorkloadStatus = model.Status{Name: "maintenance", Message: "installing charm software", Since: time.Now()}
	}
	u.AgentStatus = model.Status{Name: "executing", Message: "running " + what, Since: time.Now()}
	mr.mu.Unlock()

	params.OnLog = func(level, message string) {
		mr.logf(a.tag, level, "unit."+a.unit+".juju-log", "%s", message)
	}
	params.OnStatus = func(unit, appStatus *unitctx.Status) {
		mr.mu.Lock()
		defer mr.mu.Unlock()
		app, u, err := mr.m.Unit(a.unit)
		if err != nil {
			return
		}
		if unit != nil {
			u.WorkloadStatus = model.Status{Name: unit.Name, Message: unit.Message, Since: time.Now()}
		}
		if appStatus != nil {
			app.Status = model.Status{Name: appStatus.Name, Message: appStatus.Message, Since: time.Now()}
		}
	}
	start := time.Now()
	res, runErr := a.runner.run(ctx, params)
	took := time.Since(start)
	out := res.Output
	if ctx.Err() != nil {
		return true
	}
	if op.Kind == uniter.RunHook {
		// The whole dispatch as the agent sees it (pod exec, the charm,
		// its tool calls): what the update-status benchmark reads.
		mr.logf(a.tag, "DEBUG", "juju.worker.uniter.operation", "hook %q took %s", op.Event.Name, took.Round(10*time.Microsecond))
	}

	mr.mu.Lock()
	defer mr.mu.Unlock()
	defer mr.poke()
	defer mr.save()
	changes, applyErr := mr.m.Apply(a.unit, in, out.State)
	_ = changes
	hookErr := out.Err
	if hookErr == nil && applyErr != nil {
		hookErr = applyErr
	}
	if runErr != nil {
		hookErr = runErr
	}
	if t != nil {
		a.pending = slices.DeleteFunc(a.pending, func(p uniter.PendingAction) bool { return p.ID == op.ActionID })
		t.finish(res, hookErr)
		mr.taskChangedLocked()
	}
	_, u, err = mr.m.Unit(a.unit)
	if err != nil {
		return true
	}
	if hookErr != nil && op.Kind == uniter.RunHook {
		a.local = uniter.Fail(a.local, op)
		a.saveLocalLocked()
		msg := fmt.Sprintf("hook failed: %q", op.Event.Name)
		mr.logf(a.tag, "ERROR", "juju.worker.uniter.operation", "hook %q (via hook dispatching script: dispatch) failed: %v", op.Event.Name, hookErr)
		if !isPebbleHook(op.Event.Kind) {
			u.AgentStatus = model.Status{Name: "error", Message: msg, Since: time.Now()}
			u.WorkloadStatus = model.Status{Name: "error", Message: msg, Since: time.Now()}
		}
		return false
	}
	a.local = uniter.Commit(a.local, op)
	a.afterCommitLocked(op)
	if op.Kind == uniter.RunHook {
		mr.logf(a.tag, "INFO", "juju.worker.uniter.operation", "ran %q hook (via hook dispatching script: dispatch)", op.Event.Name)
	}
	if u.WorkloadStatus.Name == "error" {
		// The error status was the agent's; the charm's own status is
		// what the next status-set says, as Juju restores it.
		u.WorkloadStatus = model.Status{Name: "unknown", Since: time.Now()}
	}
	a.saveLocalLocked()
	if op.Event.Kind == charm.Remove {
		a.removeLocked()
		return true
	}
	return false
}

// afterCommitLocked updates the model for what a committed hook means.
func (a *agent) afterCommitLocked(op uniter.Op) {
	m := a.mr.m
	switch op.Event.Kind {
	case charm.RelationBroken:
		if err := m.LeaveScope(a.unit, op.Event.RelationID); err != nil {
			a.logf("ERROR", "leaving relation %d: %v", op.Event.RelationID, err)
		}
	}
	// Notices the unit has handled are dropped.
	for name, cs := range a.containers {
		seen := a.local.Containers[name].NoticeSeq
		cs.notices = slices.DeleteFunc(cs.notices, func(n uniter.Notice) bool { return n.Seq <= seen })
	}
}

// removeLocked deletes the unit once its remove hook ran: the pod and
// its storage go, and the application elects a new leader if it needs one.
func (a *agent) removeLocked() {
	m := a.mr.m
	for id, r := range m.Relations {
		if r.InScope(a.unit) {
			_ = m.LeaveScope(a.unit, id)
		}
	}
	if err := m.DeleteUnit(a.unit); err != nil {
		a.logf("ERROR", "removing the unit: %v", err)
	}
	if _, err := m.Application(a.app); err == nil {
		_, _, _ = m.ElectLeader(a.app)
	} else {
		delete(a.mr.metas, a.app)
	}
	delete(a.mr.agents, a.unit)
	p := a.pod
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if p != nil {
			_ = p.Destroy(ctx)
			_ = a.mr.c.rt.DestroyStorage(a.mr.name, p.Name())
		}
	}()
}

func isPebbleHook(k charm.Kind) bool {
	switch k {
	case charm.PebbleReady, charm.PebbleCustomNotice, charm.PebbleCheckFailed, charm.PebbleCheckRecovered:
		return true
	}
	return false
}

// hookDescription is how Juju's agent status names what it runs.
func hookDescription(op uniter.Op) string {
	if op.Kind == uniter.RunAction {
		return "action " + op.Event.ActionName
	}
	return op.Event.Name + " hook"
}

func (a *agent) setAgentStatus(s model.Status) {
	a.mr.mu.Lock()
	defer a.mr.mu.Unlock()
	if _, u, err := a.mr.m.Unit(a.unit); err == nil {
		s.Since = time.Now()
		u.AgentStatus = s
	}
}

// setAgentIdle shows the agent idle unless it is in error.
func (a *agent) setAgentIdle() {
	a.mr.mu.Lock()
	defer a.mr.mu.Unlock()
	_, u, err := a.mr.m.Unit(a.unit)
	if err != nil || a.local.Failed != nil || u.AgentStatus.Name == "idle" {
		return
	}
	u.AgentStatus = model.Status{Name: "idle", Since: time.Now()}
}

// watchWorkloads feeds Pebble's events into the agent's remote state.
func (a *agent) watchWorkloads(ctx context.Context) {
	a.mr.mu.Lock()
	sockets := map[string]string{}
	for _, c := range a.runner.spec.Containers {
		sockets[c.Name] = a.pod.PebbleSocket(c.Name)
		if a.containers[c.Name] == nil {
			a.containers[c.Name] = &containerState{}
		}
	}
	a.mr.mu.Unlock()
	if len(sockets) == 0 {
		return
	}
	err := workloadwatch.Watch(ctx, workloadwatch.Config{
		Containers:   sockets,
		PollInterval: a.mr.c.cfg.PebblePollInterval,
		Sink: func(_ context.Context, e workloadwatch.Event) error {
			a.mr.mu.Lock()
			cs := a.containers[e.Container]
			switch e.Kind {
			case workloadwatch.Ready:
				cs.boot++
				cs.bootID = e.BootID
			default:
				cs.seq++
				n := uniter.Notice{Seq: cs.seq, ID: e.NoticeID, Type: e.NoticeType, Key: e.NoticeKey, Check: e.CheckName}
				switch e.Kind {
				case workloadwatch.CustomNotice:
					n.Kind = charm.PebbleCustomNotice
				case workloadwatch.CheckFailed:
					n.Kind = charm.PebbleCheckFailed
				case workloadwatch.CheckRecovered:
					n.Kind = charm.PebbleCheckRecovered
				}
				cs.notices = append(cs.notices, n)
			}
			a.mr.mu.Unlock()
			a.poke()
			return nil
		},
	})
	if err != nil && ctx.Err() == nil {
		a.logf("ERROR", "watching workloads: %v", err)
	}
}

// settings is what config-get reports: every option, the operator's
// value or the default, nil where there is neither.
func settings(meta *charmcraft.Charm, set model.Settings) map[string]any {
	out := map[string]any{}
	if meta != nil && meta.Config != nil {
		for name, opt := range meta.Config.Options {
			out[name] = opt.Default
		}
	}
	maps.Copy(out, set)
	return out
}
