package controller

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/controller/debuglog"
	"github.com/identity-platform-go/charms/internal/controller/model"
	"github.com/identity-platform-go/charms/internal/controller/plan"
	"github.com/identity-platform-go/charms/internal/controller/uniter"
)

// ---- config ----

// GetConfig returns an application's configuration as `juju config`
// shows it.
func (c *Controller) GetConfig(_ context.Context, req api.GetConfigRequest) (api.ApplicationConfig, error) {
	mr, err := c.model(req.Model)
	if err != nil {
		return api.ApplicationConfig{}, err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	app, err := mr.m.Application(req.Application)
	if err != nil {
		return api.ApplicationConfig{}, api.Errorf(api.CodeNotFound, "application %q not found", req.Application)
	}
	meta := mr.metas[app.Name]
	out := api.ApplicationConfig{
		Application: app.Name, Charm: app.Charm, Settings: map[string]api.ConfigSetting{},
		ApplicationConfig: map[string]api.ConfigSetting{
			"trust": {Default: false, Description: "Does this application have access to trusted credentials", Source: source(app.Trust, false), Type: "bool", Value: app.Trust},
		},
	}
	if meta != nil && meta.Config != nil {
		for name, opt := range meta.Config.Options {
			s := api.ConfigSetting{Default: opt.Default, Description: opt.Description, Type: opt.Type, Source: "default", Value: opt.Default}
			if opt.Default == nil {
				s.Source = "unset"
			}
			if v, ok := app.Config[name]; ok {
				s.Value, s.Source = v, "user"
			}
			out.Settings[name] = s
		}
	}
	return out, nil
}

func source(v, def bool) string {
	if v != def {
		return "user"
	}
	return "default"
}

// SetConfig sets and resets options, validated as Juju does.
func (c *Controller) SetConfig(_ context.Context, req api.SetConfigRequest) error {
	mr, err := c.model(req.Model)
	if err != nil {
		return err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	app, err := mr.m.Application(req.Application)
	if err != nil {
		return api.Errorf(api.CodeNotFound, "application %q not found", req.Application)
	}
	ch, err := plan.LoadCharm(app.CharmDir)
	if err != nil {
		return err
	}
	change, err := plan.ParseConfigArgs(ch, app.Name, req.Args, req.Reset)
	if err != nil {
		return api.Errorf(api.CodeNotValid, "%s", err.Error())
	}
	values := model.Settings{}
	for _, k := range change.Reset {
		values[k] = nil
	}
	for k, v := range change.Set {
		values[k] = v
	}
	if _, err := mr.m.SetConfig(app.Name, values); err != nil {
		return err
	}
	if v, ok := change.SetApp["trust"].(bool); ok {
		app.Trust = v
	}
	if slices.Contains(change.ResetApp, "trust") {
		app.Trust = false
	}
	mr.save()
	mr.poke()
	return nil
}

// ---- actions ----

// Run enqueues an action on units.
func (c *Controller) Run(_ context.Context, req api.RunRequest) (api.Operation, error) {
	mr, err := c.model(req.Model)
	if err != nil {
		return api.Operation{}, err
	}
	var paramsYAML []byte
	if req.ParamsYAML != "" {
		paramsYAML = []byte(req.ParamsYAML)
	}
	rr, err := plan.ParseRunArgs(req.Args, paramsYAML, req.StringArgs)
	if err != nil {
		return api.Operation{}, api.Errorf(api.CodeNotValid, "%s", err.Error())
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	app, err := mr.m.Application(rr.Application)
	if err != nil {
		return api.Operation{}, api.Errorf(api.CodeNotFound, "application %q not found", rr.Application)
	}
	ch, err := plan.LoadCharm(app.CharmDir)
	if err != nil {
		return api.Operation{}, err
	}
	var units []string
	for _, u := range rr.Units {
		if strings.HasSuffix(u, "/leader") {
			if app.Leader == "" {
				return api.Operation{}, api.Errorf(api.CodeNotFound, "could not determine leader for %q", app.Name)
			}
			u = app.Leader
		}
		if _, _, err := mr.m.Unit(u); err != nil || mr.agents[u] == nil {
			return api.Operation{}, api.Errorf(api.CodeNotFound, "unit %q not found", u)
		}
		units = append(units, u)
	}
	params := map[string]map[string]any{}
	for _, u := range units {
		p, err := plan.ValidateActionParams(ch, u, rr.Action, rr.Params)
		if err != nil {
			return api.Operation{}, api.Errorf(api.CodeNotValid, "%s", err.Error())
		}
		params[u] = p
	}
	op := api.Operation{ID: mr.newTaskIDLocked()}
	for _, u := range units {
		t := &task{
			id: mr.newTaskIDLocked(), operation: op.ID, unit: u, action: rr.Action,
			params: params[u], status: "pending", enqueued: time.Now(),
		}
		mr.tasks[t.id] = t
		a := mr.agents[u]
		a.pending = append(a.pending, uniter.PendingAction{ID: t.id, Name: rr.Action})
		a.poke()
		op.Tasks = append(op.Tasks, api.Task{ID: t.id, Receiver: u})
	}
	return op, nil
}

// WaitTask waits for a task to finish: at most req.Wait when it is
// positive, not at all when it is 0 (the task's state now, as `juju
// show-task` fetches it), until the task ends when it is negative.
func (c *Controller) WaitTask(ctx context.Context, req api.WaitTaskRequest, progress func(api.ActionMessage)) (api.TaskResult, error) {
	mr, err := c.model(req.Model)
	if err != nil {
		return api.TaskResult{}, err
	}
	var deadline <-chan time.Time
	if req.Wait > 0 {
		timer := time.NewTimer(req.Wait)
		defer timer.Stop()
		deadline = timer.C
	}
	sent := 0
	for {
		mr.mu.Lock()
		t := mr.tasks[req.ID]
		if t == nil {
			mr.mu.Unlock()
			// Juju's Actions facade answers an unknown task with ErrBadId.
			return api.TaskResult{}, api.Errorf(api.CodeNotFound, "id not found")
		}
		res := t.result()
		done := t.done()
		changed := mr.taskDone
		mr.mu.Unlock()
		if progress != nil {
			for ; sent < len(res.Log); sent++ {
				progress(res.Log[sent])
			}
		}
		if done || req.Wait == 0 {
			return res, nil
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-deadline:
			return res, nil
		case <-changed:
		}
	}
}

// ---- secrets ----

// AddSecret adds a model-owned secret.
func (c *Controller) AddSecret(_ context.Context, req api.AddSecretRequest) (api.AddSecretResult, error) {
	mr, err := c.model(req.Model)
	if err != nil {
		return api.AddSecretResult{}, err
	}
	// The CLI sends the content as Juju's client does
	// (secrets.CreateSecretData): every value base64-encoded.
	content := map[string]string{}
	for k, v := range req.Data {
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return api.AddSecretResult{}, api.Errorf(api.CodeNotValid, "secret value for key %q is not base64", k)
		}
		content[k] = string(raw)
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	s, err := mr.m.AddSecret(req.Name, req.Description, content)
	if err != nil {
		return api.AddSecretResult{}, api.Errorf(api.CodeNotValid, "%s", err.Error())
	}
	mr.save()
	return api.AddSecretResult{URI: s.URI}, nil
}

// GrantSecret lets applications read a model-owned secret.
func (c *Controller) GrantSecret(_ context.Context, req api.GrantSecretRequest) error {
	mr, err := c.model(req.Model)
	if err != nil {
		return err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	if err := mr.m.GrantSecret(req.Secret, req.Applications); err != nil {
		return api.Errorf(api.CodeNotValid, "%s", err.Error())
	}
	mr.save()
	mr.poke()
	return nil
}

// Secrets lists secrets' metadata.
func (c *Controller) Secrets(_ context.Context, req api.SecretsRequest) ([]api.SecretInfo, error) {
	mr, err := c.model(req.Model)
	if err != nil {
		return nil, err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	var out []api.SecretInfo
	for _, id := range slices.Sorted(maps.Keys(mr.m.Secrets)) {
		s := mr.m.Secrets[id]
		owner := s.Owner.Kind + "-" + s.Owner.Name
		switch s.Owner.Kind {
		case model.OwnerUnit:
			owner = debuglog.UnitTag(s.Owner.Name)
		case model.OwnerModel:
			owner = "model-" + mr.m.UUID
		}
		if req.Owner != "" && req.Owner != owner {
			continue
		}
		info := api.SecretInfo{
			URI: "secret:" + s.ID, Owner: owner, Label: s.Label, Description: s.Description,
			RotatePolicy: s.RotatePolicy, LatestExpire: s.Expire, Revision: s.LatestRevision,
			Created: s.Created, Updated: s.Updated,
		}
		if s.Owner.Kind == model.OwnerModel {
			info.Name, info.Label = s.Label, ""
		}
		out = append(out, info)
	}
	return out, nil
}

// ---- status ----

// Status returns the model's status.
func (c *Controller) Status(_ context.Context, req api.StatusRequest) (api.Status, error) {
	mr, err := c.model(req.Model)
	if err != nil {
		return api.Status{}, err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	m := mr.m
	out := api.Status{
		Model: api.ModelStatus{
			Name: m.Name, Type: "caas", Controller: c.cfg.Name, Cloud: "local", Version: JujuVersion,
			Status: api.DetailedStatus{Status: "available"},
		},
		ControllerTimestamp: time.Now(),
		Applications:        map[string]api.ApplicationStatus{},
	}
	for name, app := range m.Applications {
		as := api.ApplicationStatus{
			Charm: "local:" + app.Charm + "-" + fmt.Sprint(app.CharmModifiedVersion),
			Base:  api.Base{Name: "ubuntu", Channel: "22.04"}, Life: string(app.Life),
			Scale:     len(aliveUnits(app)),
			Relations: map[string][]string{},
			Units:     map[string]api.UnitStatus{},
			Status:    detailed(app.Status),
		}
		if app.Status.Name == "" || app.Status.Name == "unknown" {
			as.Status = api.DetailedStatus{}
		}
		for _, u := range app.Units {
			us := api.UnitStatus{
				AgentStatus:    detailed(u.AgentStatus),
				WorkloadStatus: detailed(u.WorkloadStatus),
				Leader:         app.Leader == u.Name,
				Address:        u.Address,
			}
			if us.AgentStatus.Status == "" {
				us.AgentStatus.Status = "allocating"
			}
			if us.WorkloadStatus.Status == "" {
				us.WorkloadStatus = api.DetailedStatus{Status: "waiting", Info: "installing agent"}
			}
			for _, p := range u.OpenedPorts {
				us.OpenedPorts = append(us.OpenedPorts, portString(p.Protocol, p.From, p.To))
			}
			if as.WorkloadVersion == "" || app.Leader == u.Name {
				if u.WorkloadVersion != "" {
					as.WorkloadVersion = u.WorkloadVersion
				}
			}
			as.Units[u.Name] = us
		}
		for _, r := range m.Relations {
			ep, ok := r.Endpoint(name)
			if !ok {
				continue
			}
			as.Relations[ep.Name] = append(as.Relations[ep.Name], r.Other(name))
		}
		out.Applications[name] = as
	}
	for _, id := range slices.Sorted(maps.Keys(m.Relations)) {
		r := m.Relations[id]
		rs := api.RelationStatus{ID: r.ID, Key: r.Key, Interface: r.Endpoints[0].Interface, Scope: r.Endpoints[0].Scope,
			Status: api.DetailedStatus{Status: "joined"}}
		if r.Life != model.Alive {
			rs.Status.Status = "broken"
		}
		for _, e := range r.Endpoints {
			rs.Endpoints = append(rs.Endpoints, api.EndpointStatus{ApplicationName: e.App, Name: e.Name, Role: e.Role})
		}
		out.Relations = append(out.Relations, rs)
	}
	return out, nil
}

func detailed(s model.Status) api.DetailedStatus {
	return api.DetailedStatus{Status: s.Name, Info: s.Message, Since: s.Since}
}

func portString(proto string, from, to int) string {
	if proto == "icmp" {
		return "icmp"
	}
	if to > from {
		return fmt.Sprintf("%d-%d/%s", from, to, proto)
	}
	return fmt.Sprintf("%d/%s", from, proto)
}

// ShowUnit returns units with their relation data, as `juju show-unit`.
func (c *Controller) ShowUnit(_ context.Context, req api.ShowUnitRequest) ([]api.UnitInfo, error) {
	mr, err := c.model(req.Model)
	if err != nil {
		return nil, err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	m := mr.m
	var out []api.UnitInfo
	for _, name := range req.Units {
		app, u, err := m.Unit(name)
		if err != nil {
			return nil, api.Errorf(api.CodeNotFound, "unit %q not found", name)
		}
		info := api.UnitInfo{
			Name: u.Name, WorkloadVersion: u.WorkloadVersion, Charm: "local:" + app.Charm + "-" + fmt.Sprint(app.CharmModifiedVersion),
			Leader: app.Leader == u.Name, Life: string(u.Life), Address: u.Address,
			ProviderID: app.Name + "-" + fmt.Sprint(u.Number),
		}
		for _, p := range u.OpenedPorts {
			info.OpenedPorts = append(info.OpenedPorts, portString(p.Protocol, p.From, p.To))
		}
		for _, id := range slices.Sorted(maps.Keys(m.Relations)) {
			r := m.Relations[id]
			ep, ok := r.Endpoint(app.Name)
			if !ok {
				continue
			}
			other := r.Other(app.Name)
			rd := api.EndpointRelationData{
				RelationID: r.ID, Endpoint: ep.Name, ApplicationData: anyMap(r.AppData[other]),
				UnitRelationData: map[string]api.RelationUnitData{},
			}
			if o, ok := r.Endpoint(other); ok && !r.Peer() {
				rd.RelatedEndpoint = o.Name
			} else {
				rd.RelatedEndpoint = ep.Name
			}
			for _, appName := range slices.Sorted(maps.Keys(r.Members)) {
				for _, member := range r.Members[appName] {
					rd.UnitRelationData[member] = api.RelationUnitData{InScope: true, UnitData: anyMap(r.UnitData[member])}
				}
			}
			info.RelationData = append(info.RelationData, rd)
		}
		out = append(out, info)
	}
	return out, nil
}

func anyMap(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// DebugLog streams the model's log.
func (c *Controller) DebugLog(ctx context.Context, req api.DebugLogRequest, emit func(api.LogRecord) error) error {
	mr, err := c.model(req.Model)
	if err != nil {
		return err
	}
	lines := req.Backlog
	if req.Replay {
		lines = 0
	}
	f := debuglog.Filter{Replay: req.Replay || req.Backlog == 0, Lines: lines, Follow: !req.NoTail}
	if req.Backlog > 0 && !req.Replay {
		f.Replay = false
	}
	sent := 0
	stop := fmt.Errorf("limit reached")
	err = mr.log.Read(ctx, f, func(e debuglog.Entry) error {
		rec := api.LogRecord{Entity: e.Entity, Timestamp: e.Time, Severity: e.Level, Module: e.Module, Message: e.Message}
		if !req.Keep(rec) {
			return nil
		}
		if err := emit(rec); err != nil {
			return err
		}
		sent++
		if req.Limit > 0 && sent >= req.Limit {
			return stop
		}
		return nil
	})
	if err == stop {
		return nil
	}
	return err
}
