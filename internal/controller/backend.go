package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	jujucharm "github.com/juju/charm/v12"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/controller/model"
	"github.com/identity-platform-go/charms/internal/controller/plan"
	"github.com/identity-platform-go/charms/internal/controller/uniter"
)

// ---- models ----

// AddModel creates a model.
func (c *Controller) AddModel(_ context.Context, req api.AddModelRequest) (api.ModelSummary, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.models[req.Name] != nil {
		return api.ModelSummary{}, api.Errorf(api.CodeAlreadyExists, "model %q already exists", req.Name)
	}
	if !validModelName(req.Name) {
		return api.ModelSummary{}, api.Errorf(api.CodeNotValid, "%q is not a valid name: model names may only contain lowercase letters, digits and hyphens", req.Name)
	}
	m := model.New(req.Name)
	m.UpdateStatusInterval = c.cfg.UpdateStatusInterval
	mr, err := c.newModelRuntime(req.Name, m)
	if err != nil {
		return api.ModelSummary{}, err
	}
	mr.mu.Lock()
	mr.save()
	mr.mu.Unlock()
	c.models[req.Name] = mr
	return c.summary(mr), nil
}

func validModelName(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func (c *Controller) summary(mr *modelRuntime) api.ModelSummary {
	mr.mu.Lock()
	defer mr.mu.Unlock()
	units := 0
	for _, app := range mr.m.Applications {
		units += len(app.Units)
	}
	return api.ModelSummary{
		Name: mr.name, UUID: mr.m.UUID, Type: "caas", ProviderType: "kubernetes", Cloud: "local",
		Owner: "admin", Life: "alive", Status: "available", AgentVersion: JujuVersion, Units: units,
	}
}

// Models lists the models.
func (c *Controller) Models(context.Context) (api.Models, error) {
	c.mu.Lock()
	models := slices.Collect(maps.Values(c.models))
	c.mu.Unlock()
	out := api.Models{Controller: c.cfg.Name}
	for _, mr := range models {
		out.Models = append(out.Models, c.summary(mr))
	}
	slices.SortFunc(out.Models, func(a, b api.ModelSummary) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// DestroyModel removes every application of the model (their units run
// their removal hooks), then the model.
func (c *Controller) DestroyModel(ctx context.Context, req api.DestroyModelRequest) error {
	mr, err := c.model(req.Name)
	if err != nil {
		return err
	}
	mr.mu.Lock()
	apps := slices.Sorted(maps.Keys(mr.m.Applications))
	mr.mu.Unlock()
	if len(apps) > 0 {
		if _, err := c.RemoveApplication(ctx, api.RemoveApplicationRequest{Model: req.Name, Applications: apps, Force: req.Force}); err != nil {
			return err
		}
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	deadline := time.Now().Add(timeout)
	for {
		mr.mu.Lock()
		left := len(mr.m.Applications)
		mr.mu.Unlock()
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			return api.Errorf(api.CodeTimeout, "timeout after %v destroying model %q: %d applications left", timeout, req.Name, left)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	c.mu.Lock()
	delete(c.models, req.Name)
	c.mu.Unlock()
	if err := mr.close(); err != nil {
		return err
	}
	return os.RemoveAll(c.modelDir(req.Name))
}

// ---- deploy ----

// charmsLocked is every application's charm as Juju reads it (for
// relation inference).
func (mr *modelRuntime) charmsLocked() (map[string]*plan.Charm, error) {
	out := map[string]*plan.Charm{}
	for name, app := range mr.m.Applications {
		ch, err := plan.LoadCharm(app.CharmDir)
		if err != nil {
			return nil, fmt.Errorf("application %q: %w", name, err)
		}
		out[name] = ch
	}
	return out, nil
}

// Deploy deploys a charm or a bundle.
func (c *Controller) Deploy(ctx context.Context, req api.DeployRequest, progress func(string)) (api.DeployResult, error) {
	if progress == nil {
		progress = func(string) {}
	}
	mr, err := c.model(req.Model)
	if err != nil {
		return api.DeployResult{}, err
	}
	if isBundle(req.Path) {
		if req.NumUnitsSet {
			return api.DeployResult{}, api.Errorf(api.CodeNotValid, "flags provided but not supported when deploying a bundle: -n")
		}
		return c.deployBundle(ctx, mr, req, progress)
	}
	mr.mu.Lock()
	existing := map[string]bool{}
	for name := range mr.m.Applications {
		existing[name] = true
	}
	mr.mu.Unlock()
	n := req.NumUnits
	if !req.NumUnitsSet && n == 0 {
		n = 1
	}
	d, err := plan.ValidateDeploy(plan.DeployRequest{
		CharmPath: req.Path, Application: req.ApplicationName, NumUnits: n,
		Config: req.ConfigFlags, Trust: req.Trust, Resources: req.Resources,
	}, existing)
	if err != nil {
		return api.DeployResult{}, api.Errorf(api.CodeNotValid, "%s", err.Error())
	}
	progress(fmt.Sprintf("Located local charm %q, revision 0", d.Charm.Name()))
	progress(fmt.Sprintf("Deploying %q from local charm %q, revision 0 on ubuntu@22.04/stable", d.Application, d.Charm.Name()))
	if req.DryRun {
		return api.DeployResult{Applications: []string{d.Application}}, nil
	}
	trust := req.Trust
	if v, ok := d.Config.App["trust"].(bool); ok {
		trust = v
	}
	if err := c.addApplication(mr, d.Application, d.Charm, d.Config.Charm, trust, d.Resources, d.NumUnits); err != nil {
		return api.DeployResult{}, err
	}
	return api.DeployResult{Applications: []string{d.Application}}, nil
}

func isBundle(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".yaml" && ext != ".yml" {
		return false
	}
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}

// addApplication unpacks the charm and adds the application and its
// units, whose agents start at once.
func (c *Controller) addApplication(mr *modelRuntime, name string, ch *plan.Charm, cfg map[string]any, trust bool, resources map[string]string, units int) error {
	dir := filepath.Join(mr.dir, "charms", name+"-0")
	if err := unpackCharm(ch, dir); err != nil {
		return fmt.Errorf("cannot deploy %q: %w", name, err)
	}
	meta, err := loadMeta(dir)
	if err != nil {
		return fmt.Errorf("cannot deploy %q: %w", name, err)
	}
	settings := model.Settings{}
	for k, v := range cfg {
		if v != nil {
			settings[k] = v
		}
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	if _, err := mr.m.AddApplication(model.AppSpec{
		Name: name, Meta: meta, CharmDir: dir, Config: settings, Trust: trust, Resources: resources,
	}); err != nil {
		return api.Errorf(api.CodeAlreadyExists, "%s", err.Error())
	}
	mr.metas[name] = meta
	for range units {
		if err := mr.addUnitLocked(name); err != nil {
			return err
		}
	}
	mr.save()
	return nil
}

// addUnitLocked adds a unit, elects a leader if the application has none,
// and starts the unit's agent.
func (mr *modelRuntime) addUnitLocked(app string) error {
	u, err := mr.m.AddUnit(app)
	if err != nil {
		return err
	}
	if _, _, err := mr.m.ElectLeader(app); err != nil {
		return err
	}
	mr.startAgentLocked(u.Name, false)
	mr.poke()
	return nil
}

func (c *Controller) deployBundle(_ context.Context, mr *modelRuntime, req api.DeployRequest, progress func(string)) (api.DeployResult, error) {
	b, err := plan.ParseBundle(req.Path)
	if err != nil {
		return api.DeployResult{}, api.Errorf(api.CodeNotValid, "%s", err.Error())
	}
	if err := b.CheckTrust(req.Trust, false); err != nil {
		return api.DeployResult{}, api.Errorf(api.CodeNotValid, "%s", err.Error())
	}
	steps, err := plan.Plan(b)
	if err != nil {
		return api.DeployResult{}, api.Errorf(api.CodeNotValid, "%s", err.Error())
	}
	mr.mu.Lock()
	for name := range b.Applications {
		if mr.m.Applications[name] != nil {
			mr.mu.Unlock()
			return api.DeployResult{}, api.Errorf(api.CodeAlreadyExists, "cannot deploy bundle: application %q already exists in the model", name)
		}
	}
	mr.mu.Unlock()
	for _, name := range slices.Sorted(maps.Keys(b.Applications)) {
		progress(fmt.Sprintf("Located local charm %q, revision 0", b.Applications[name].Charm.Name()))
	}
	for _, w := range b.Warnings {
		progress("WARNING " + w)
	}
	progress("Executing changes:")
	var res api.DeployResult
	for _, s := range steps {
		progress("- " + s.Description)
		if req.DryRun {
			continue
		}
		switch s.Kind {
		case plan.StepDeploy:
			trust := false
			if v, ok := s.AppConfig["trust"].(bool); ok {
				trust = v
			}
			if err := c.addApplication(mr, s.Application, s.Charm, s.Options, trust, s.Resources, s.NumUnits); err != nil {
				return res, err
			}
			res.Applications = append(res.Applications, s.Application)
		case plan.StepAddRelation:
			eps := s.Relation.Endpoints
			if len(eps) != 2 {
				continue
			}
			mr.mu.Lock()
			_, err := mr.m.AddRelation(modelEndpoint(eps[0]), modelEndpoint(eps[1]))
			mr.poke()
			mr.save()
			mr.mu.Unlock()
			if err != nil {
				return res, err
			}
		}
	}
	progress("Deploy of bundle completed.")
	return res, nil
}

func modelEndpoint(ep plan.Endpoint) model.Endpoint {
	scope := string(ep.Scope)
	if scope == "" {
		scope = string(jujucharm.ScopeGlobal)
	}
	return model.Endpoint{App: ep.Application, Name: ep.Name, Role: string(ep.Role), Interface: ep.Interface, Scope: scope}
}

// ---- relations ----

// Integrate adds a relation, inferring endpoints as Juju does.
func (c *Controller) Integrate(_ context.Context, req api.IntegrateRequest) (api.IntegrateResult, error) {
	mr, err := c.model(req.Model)
	if err != nil {
		return api.IntegrateResult{}, err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	charms, err := mr.charmsLocked()
	if err != nil {
		return api.IntegrateResult{}, err
	}
	var existing []plan.Relation
	for _, r := range mr.m.Relations {
		var eps []plan.Endpoint
		for _, e := range r.Endpoints {
			eps = append(eps, plan.Endpoint{Application: e.App, Relation: jujucharm.Relation{
				Name: e.Name, Role: jujucharm.RelationRole(e.Role), Interface: e.Interface, Scope: jujucharm.RelationScope(e.Scope)}})
		}
		existing = append(existing, plan.Relation{Endpoints: eps})
	}
	rel, err := plan.Integrate(charms, existing, req.Endpoints)
	if err != nil {
		code := api.CodeNotValid
		if strings.Contains(err.Error(), "already exists") {
			code = api.CodeAlreadyExists
		} else if strings.Contains(err.Error(), "not found") {
			code = api.CodeNotFound
		}
		return api.IntegrateResult{}, api.Errorf(code, "%s", err.Error())
	}
	r, err := mr.m.AddRelation(modelEndpoint(rel.Endpoints[0]), modelEndpoint(rel.Endpoints[1]))
	if err != nil {
		return api.IntegrateResult{}, api.Errorf(api.CodeAlreadyExists, "%s", err.Error())
	}
	mr.save()
	mr.poke()
	res := api.IntegrateResult{ID: r.ID, Key: r.Key, Interface: r.Endpoints[0].Interface}
	for _, e := range r.Endpoints {
		res.Endpoints = append(res.Endpoints, e.String())
	}
	return res, nil
}

// RemoveRelation removes a relation.
func (c *Controller) RemoveRelation(_ context.Context, req api.RemoveRelationRequest) error {
	mr, err := c.model(req.Model)
	if err != nil {
		return err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	id := -1
	if req.ID != nil {
		id = *req.ID
	} else {
		if len(req.Endpoints) != 2 {
			return api.Errorf(api.CodeNotValid, "a relation must involve two applications")
		}
		for rid, r := range mr.m.Relations {
			if len(r.Endpoints) == 2 && matchEnds(r, req.Endpoints[0], req.Endpoints[1]) {
				id = rid
			}
		}
		if id < 0 {
			return api.Errorf(api.CodeNotFound, "relation %q not found", strings.Join(req.Endpoints, " "))
		}
	}
	if _, err := mr.m.Relation(id); err != nil {
		return api.Errorf(api.CodeNotFound, "relation %d not found", id)
	}
	if err := mr.m.RemoveRelation(id); err != nil {
		return api.Errorf(api.CodeNotValid, "%s", err.Error())
	}
	mr.save()
	mr.poke()
	return nil
}

// matchEnds reports whether a and b ("app" or "app:endpoint") name r's
// two ends, in either order.
func matchEnds(r *model.Relation, a, b string) bool {
	match := func(e model.Endpoint, s string) bool {
		app, ep, hasEp := strings.Cut(s, ":")
		return e.App == app && (!hasEp || e.Name == ep)
	}
	e0, e1 := r.Endpoints[0], r.Endpoints[1]
	return (match(e0, a) && match(e1, b)) || (match(e0, b) && match(e1, a))
}

// ---- units and applications ----

// Scale adds or removes units.
func (c *Controller) Scale(_ context.Context, req api.ScaleRequest) (api.ScaleResult, error) {
	mr, err := c.model(req.Model)
	if err != nil {
		return api.ScaleResult{}, err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	app, err := mr.m.Application(req.Application)
	if err != nil {
		return api.ScaleResult{}, api.Errorf(api.CodeNotFound, "application %q not found", req.Application)
	}
	switch {
	case req.Delta > 0:
		for range req.Delta {
			if err := mr.addUnitLocked(app.Name); err != nil {
				return api.ScaleResult{}, err
			}
		}
	case req.Delta < 0:
		alive := aliveUnits(app)
		n := -req.Delta
		if n > len(alive) {
			return api.ScaleResult{}, api.Errorf(api.CodeNotValid, "cannot remove %d units from %q: it has %d", n, app.Name, len(alive))
		}
		// Kubernetes scales a StatefulSet down from the highest ordinal.
		for _, u := range alive[len(alive)-n:] {
			if err := mr.m.RemoveUnit(u.Name); err != nil {
				return api.ScaleResult{}, err
			}
		}
	}
	mr.save()
	mr.poke()
	return api.ScaleResult{Scale: len(aliveUnits(app))}, nil
}

func aliveUnits(app *model.Application) []*model.Unit {
	var out []*model.Unit
	for _, n := range slices.Sorted(maps.Keys(app.Units)) {
		if app.Units[n].Life == model.Alive {
			out = append(out, app.Units[n])
		}
	}
	return out
}

// RemoveApplication removes applications: their units run their removal
// hooks, then the application goes.
func (c *Controller) RemoveApplication(_ context.Context, req api.RemoveApplicationRequest) ([]api.RemoveApplicationResult, error) {
	mr, err := c.model(req.Model)
	if err != nil {
		return nil, err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	var out []api.RemoveApplicationResult
	for _, name := range req.Applications {
		res := api.RemoveApplicationResult{Application: name}
		app, err := mr.m.Application(name)
		if err != nil {
			res.Error = fmt.Sprintf("application %q not found", name)
			out = append(out, res)
			continue
		}
		for _, n := range slices.Sorted(maps.Keys(app.Units)) {
			res.Units = append(res.Units, app.Units[n].Name)
		}
		if !req.DryRun {
			if err := mr.m.RemoveApplication(name); err != nil {
				res.Error = err.Error()
			}
		}
		out = append(out, res)
	}
	mr.save()
	mr.poke()
	return out, nil
}

// Refresh upgrades an application to a local charm: every unit runs
// upgrade-charm, then config-changed.
func (c *Controller) Refresh(_ context.Context, req api.RefreshRequest) (api.RefreshResult, error) {
	mr, err := c.model(req.Model)
	if err != nil {
		return api.RefreshResult{}, err
	}
	ch, err := plan.LoadCharm(req.Path)
	if err != nil {
		return api.RefreshResult{}, api.Errorf(api.CodeNotValid, "%s", err.Error())
	}
	mr.mu.Lock()
	app, err := mr.m.Application(req.Application)
	if err != nil {
		mr.mu.Unlock()
		return api.RefreshResult{}, api.Errorf(api.CodeNotFound, "application %q not found", req.Application)
	}
	if ch.Name() != app.Charm && !req.Force {
		mr.mu.Unlock()
		return api.RefreshResult{}, api.Errorf(api.CodeNotValid, "cannot refresh %q: charm %q is not %q", app.Name, ch.Name(), app.Charm)
	}
	rev := app.CharmModifiedVersion + 1
	mr.mu.Unlock()
	dir := filepath.Join(mr.dir, "charms", req.Application+"-"+strconv.Itoa(rev))
	if err := unpackCharm(ch, dir); err != nil {
		return api.RefreshResult{}, err
	}
	meta, err := loadMeta(dir)
	if err != nil {
		return api.RefreshResult{}, err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	app, err = mr.m.Application(req.Application)
	if err != nil {
		return api.RefreshResult{}, err
	}
	for k, v := range req.Resources {
		if app.Resources == nil {
			app.Resources = map[string]string{}
		}
		app.Resources[k] = v
	}
	app.CharmDir = dir
	app.CharmModifiedVersion = rev
	mr.metas[app.Name] = meta
	mr.save()
	mr.poke()
	return api.RefreshResult{CharmName: ch.Name(), Revision: rev}, nil
}

// Resolve retries (or skips) the failed hook of units in error.
func (c *Controller) Resolve(_ context.Context, req api.ResolveRequest) error {
	mr, err := c.model(req.Model)
	if err != nil {
		return err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	units := req.Units
	if req.All {
		units = nil
		for name, a := range mr.agents {
			if a.local.Failed != nil {
				units = append(units, name)
			}
		}
	}
	for _, name := range units {
		a := mr.agents[name]
		if a == nil {
			return api.Errorf(api.CodeNotFound, "unit %q not found", name)
		}
		local, err := uniter.Resolve(a.local, req.NoRetry)
		if errors.Is(err, uniter.ErrNotInError) {
			return api.Errorf(api.CodeNotValid, "unit %q is not in an error state", name)
		}
		if err != nil {
			return err
		}
		a.local = local
		a.saveLocalLocked()
		a.poke()
	}
	mr.save()
	return nil
}
