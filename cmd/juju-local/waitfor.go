package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/juju/gnuflag"
	"github.com/juju/juju/cmd/juju/waitfor/query"
	"github.com/juju/names/v5"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// waitForCommand is `juju wait-for model|application|unit <name>`: it
// evaluates Juju's own query language (cmd/juju/waitfor/query) against
// the status, polled, until the query holds or --timeout passes. On a
// timeout the error says which applications and units are not yet
// active and idle.
type waitForCommand struct {
	modelFlag
	kind    string
	name    string
	query   string
	timeout time.Duration
	summary bool
	q       query.Query
}

var waitForDefaults = map[string]string{
	"model":       `life=="alive" && status=="available"`,
	"application": `life=="alive" && status=="active"`,
	"unit":        `life=="alive" && workload-status=="active"`,
}

func (c *waitForCommand) info() info {
	return info{
		name:    "wait-for",
		args:    "model|application|unit <name>",
		purpose: "Wait for an entity to reach a specified state.",
		doc: `
Waits until a query over the model, an application or a unit holds, in
Juju's query language: identifiers of the entity (model: name, life,
status, applications, units; application: name, life, status, charm-url,
exposed, workload-version, units; unit: name, application, life,
workload-status, workload-message, agent-status, public-address, leader),
comparisons, && and ||, and forEach(collection, x => expression).

Default queries:
    model:       life=="alive" && status=="available"
    application: life=="alive" && status=="active"
    unit:        life=="alive" && workload-status=="active"`,
		examples: `
    juju-local wait-for model default --query 'forEach(applications, app => app.status == "active") && forEach(units, u => u.agent-status == "idle")'
    juju-local wait-for application hydra --timeout 5m
    juju-local wait-for unit hydra/0 --query 'workload-status=="active"'`,
	}
}

func (c *waitForCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	f.StringVar(&c.query, "query", "", "Query the goal state (default: per entity, see Details)")
	f.DurationVar(&c.timeout, "timeout", 10*time.Minute, "How long to wait, before timing out")
	f.BoolVar(&c.summary, "summary", true, "Output a summary of the application query on exit")
}

func (c *waitForCommand) init(args []string) error {
	if len(args) == 0 {
		return errors.New("wait-for needs an entity kind: model, application or unit")
	}
	c.kind, args = args[0], args[1:]
	def, ok := waitForDefaults[c.kind]
	if !ok {
		return fmt.Errorf("unrecognized command: juju-local wait-for %s", c.kind)
	}
	switch len(args) {
	case 0:
		return fmt.Errorf("%s name must be supplied when waiting for an %s", c.kind, c.kind)
	case 1:
	default:
		return fmt.Errorf("only one %s name can be supplied as an argument to this command", c.kind)
	}
	c.name = args[0]
	switch c.kind {
	case "model":
		if !names.IsValidModelName(c.name) {
			return fmt.Errorf("%q is not valid model name", c.name)
		}
	case "application":
		if !names.IsValidApplication(c.name) {
			return fmt.Errorf("%q is not valid application name", c.name)
		}
	case "unit":
		if !names.IsValidUnit(c.name) {
			return fmt.Errorf("%q is not valid unit name", c.name)
		}
	}
	if c.query == "" {
		c.query = def
	}
	q, err := query.Parse(c.query)
	if err != nil {
		return fmt.Errorf("cannot parse query %q: %w", c.query, err)
	}
	c.q = q
	return nil
}

func (c *waitForCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	model := c.modelName(a)
	if c.kind == "model" {
		model = c.name
	}
	interval := a.pollInterval
	if interval <= 0 {
		interval = time.Second
	}
	deadline := time.NewTimer(c.timeout)
	defer deadline.Stop()
	var last api.Status
	for {
		st, err := b.Status(ctx, api.StatusRequest{Model: model})
		switch {
		case errors.Is(err, api.ErrModelNotFound) || errors.Is(err, api.ErrNotFound):
			a.infof("%s %q not found, waiting...", c.kind, c.name)
		case err != nil:
			return err
		default:
			last = st
			scope, gone := c.scope(st)
			if gone {
				if c.kind == "model" {
					a.infof("model %q has been removed", c.name)
				} else if c.kind == "application" {
					a.infof("Application %q has been removed", c.name)
				} else {
					a.infof("unit %q has been removed", c.name)
				}
				return nil
			}
			if scope != nil {
				ok, err := c.q.BuiltinsRun(scope)
				if err != nil {
					return fmt.Errorf("%s: %w", c.query, err)
				}
				if ok {
					if c.summary {
						switch c.kind {
						case "application":
							a.infof("Application %q is running", c.name)
						default:
							a.infof("%s %q is running", c.kind, c.name)
						}
					}
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			msg := fmt.Sprintf("timed out waiting for %q to reach goal state", c.name)
			if why := notReady(last); why != "" {
				msg += ": " + why
			}
			return errors.New(msg)
		case <-time.After(interval):
		}
	}
}

// scope is the query scope for the entity; gone reports an application
// or unit that no longer exists after having been seen (not tracked:
// absent entities are simply not there yet).
func (c *waitForCommand) scope(st api.Status) (query.Scope, bool) {
	switch c.kind {
	case "model":
		return modelScope{st}, false
	case "application":
		app, ok := st.Applications[c.name]
		if !ok {
			return nil, false
		}
		return appScope{name: c.name, app: app}, false
	default:
		appName, _ := names.UnitApplication(c.name)
		u, ok := st.Applications[appName].Units[c.name]
		if !ok {
			return nil, false
		}
		return unitScope{name: c.name, app: appName, unit: u}, false
	}
}

// notReady says which applications are not active and which units are
// not active and idle, for a timeout's error.
func notReady(st api.Status) string {
	var why []string
	apps := make([]string, 0, len(st.Applications))
	for n := range st.Applications {
		apps = append(apps, n)
	}
	sort.Slice(apps, func(i, j int) bool { return naturalLess(apps[i], apps[j]) })
	for _, n := range apps {
		app := st.Applications[n]
		if s := applicationDisplayStatus(app); s.Status != "active" {
			why = append(why, fmt.Sprintf("application %s is %s%s", n, s.Status, quoteInfo(s.Info)))
		}
		if len(app.Units) < app.Scale {
			why = append(why, fmt.Sprintf("application %s has %d of %d units", n, len(app.Units), app.Scale))
		}
		for _, un := range naturalKeys(app.Units) {
			u := app.Units[un]
			if u.WorkloadStatus.Status != "active" || u.AgentStatus.Status != "idle" {
				why = append(why, fmt.Sprintf("unit %s is %s/%s%s", un, u.WorkloadStatus.Status, u.AgentStatus.Status, quoteInfo(firstNonEmpty(u.WorkloadStatus.Info, u.AgentStatus.Info))))
			}
		}
	}
	return strings.Join(why, "; ")
}

func quoteInfo(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf(" (%s)", s)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// scopedBox lifts scopes into a collection forEach iterates (waitfor's
// ScopedBox).
type scopedBox struct{ scopes []query.Scope }

func (o *scopedBox) Less(query.Ord) bool  { return false }
func (o *scopedBox) Equal(query.Ord) bool { return false }
func (o *scopedBox) IsZero() bool         { return len(o.scopes) == 0 }
func (o *scopedBox) Value() any           { return o }
func (o *scopedBox) ForEach(fn func(any) bool) {
	for _, s := range o.scopes {
		if !fn(s) {
			return
		}
	}
}

type modelScope struct{ st api.Status }

func (m modelScope) GetIdents() []string {
	return []string{"applications", "life", "name", "status", "units"}
}

func (m modelScope) GetIdentValue(name string) (query.Box, error) {
	switch name {
	case "name":
		return query.NewString(m.st.Model.Name), nil
	case "life":
		life := m.st.Model.Status.Life
		if life == "" {
			life = "alive"
		}
		return query.NewString(life), nil
	case "status":
		return query.NewString(m.st.Model.Status.Status), nil
	case "applications":
		box := &scopedBox{}
		for _, n := range naturalKeys(m.st.Applications) {
			box.scopes = append(box.scopes, appScope{name: n, app: m.st.Applications[n]})
		}
		return box, nil
	case "units":
		box := &scopedBox{}
		for _, an := range naturalKeys(m.st.Applications) {
			app := m.st.Applications[an]
			for _, un := range naturalKeys(app.Units) {
				box.scopes = append(box.scopes, unitScope{name: un, app: an, unit: app.Units[un]})
			}
		}
		return box, nil
	}
	return nil, fmt.Errorf("%q on ModelInfo: %w", name, query.ErrInvalidIdentifier(name, m))
}

type appScope struct {
	name string
	app  api.ApplicationStatus
}

func (s appScope) GetIdents() []string {
	return []string{"charm-url", "exposed", "life", "name", "status", "units", "workload-version"}
}

func (s appScope) GetIdentValue(name string) (query.Box, error) {
	switch name {
	case "name":
		return query.NewString(s.name), nil
	case "life":
		return query.NewString(lifeOf(s.app.Life)), nil
	case "exposed":
		return query.NewBool(s.app.Exposed), nil
	case "charm-url":
		return query.NewString(s.app.Charm), nil
	case "status":
		return query.NewString(applicationDisplayStatus(s.app).Status), nil
	case "workload-version":
		return query.NewString(s.app.WorkloadVersion), nil
	case "scale":
		return query.NewInteger(int64(s.app.Scale)), nil
	case "units":
		box := &scopedBox{}
		for _, un := range naturalKeys(s.app.Units) {
			box.scopes = append(box.scopes, unitScope{name: un, app: s.name, unit: s.app.Units[un]})
		}
		return box, nil
	}
	return nil, fmt.Errorf("%q on ApplicationInfo: %w", name, query.ErrInvalidIdentifier(name, s))
}

type unitScope struct {
	name string
	app  string
	unit api.UnitStatus
}

func (s unitScope) GetIdents() []string {
	return []string{"agent-status", "application", "leader", "life", "name", "public-address", "workload-message", "workload-status"}
}

func (s unitScope) GetIdentValue(name string) (query.Box, error) {
	switch name {
	case "name":
		return query.NewString(s.name), nil
	case "application":
		return query.NewString(s.app), nil
	case "life":
		return query.NewString(lifeOf(s.unit.AgentStatus.Life)), nil
	case "public-address":
		return query.NewString(s.unit.PublicAddress), nil
	case "private-address":
		return query.NewString(s.unit.Address), nil
	case "workload-status":
		return query.NewString(s.unit.WorkloadStatus.Status), nil
	case "workload-message":
		return query.NewString(s.unit.WorkloadStatus.Info), nil
	case "agent-status":
		return query.NewString(s.unit.AgentStatus.Status), nil
	case "leader":
		return query.NewBool(s.unit.Leader), nil
	}
	return nil, fmt.Errorf("%q on UnitInfo: %w", name, query.ErrInvalidIdentifier(name, s))
}

func lifeOf(life string) string {
	if life == "" {
		return "alive"
	}
	return life
}
