package plan

import (
	"fmt"
	"maps"
	"strings"

	"github.com/juju/charm/v12"
	corebase "github.com/juju/juju/core/base"
	bundlechanges "github.com/juju/juju/core/bundle/changes"
	corecharm "github.com/juju/juju/core/charm"
)

// StepKind is what a plan step does; the names are Juju's change methods.
type StepKind string

const (
	// StepAddCharm uploads a charm to the model.
	StepAddCharm StepKind = "addCharm"
	// StepDeploy creates an application with its charm settings,
	// application config, resources and scale (Kubernetes bundles deploy
	// their units with the application).
	StepDeploy StepKind = "deploy"
	// StepExpose exposes an application.
	StepExpose StepKind = "expose"
	// StepSetAnnotations records an application's annotations.
	StepSetAnnotations StepKind = "setAnnotations"
	// StepAddRelation relates two applications.
	StepAddRelation StepKind = "addRelation"
)

// Step is one change of a deploy plan.
type Step struct {
	// ID is Juju's change id ("addCharm-0", "deploy-1", …); Requires
	// lists the ids that must be applied first.
	ID       string
	Requires []string
	Kind     StepKind
	// Description is the line `juju deploy --dry-run` prints.
	Description string

	// Charm: addCharm and deploy.
	Charm *Charm
	// Application: deploy, expose, setAnnotations.
	Application string
	// NumUnits, Options (typed charm settings), AppConfig (trust, …) and
	// Resources (name → image reference or path): deploy.
	NumUnits  int
	Options   map[string]any
	AppConfig map[string]any
	Resources map[string]string
	// Annotations: setAnnotations.
	Annotations map[string]string
	// Relation, with resolved endpoints: addRelation.
	Relation Relation
}

type nopLogger struct{}

func (nopLogger) Tracef(string, ...any) {}

// Plan turns a validated bundle into the changes that deploy it, in an
// order that respects their dependencies. The order and the ids are
// Juju's own: github.com/juju/juju/core/bundle/changes (FromData, the
// code behind `juju deploy --dry-run` and the bundle handler) computes
// them — for a Kubernetes bundle: each charm is added, then its
// applications deployed with their options and scale (and exposed or
// annotated), and relations come last, once both applications exist.
// Applications are visited in natural name order. The package is light
// (55 non-standard packages, all already needed by this one) and
// compiles against this module, so it is used rather than imitated.
//
// Deploy steps carry trust=true in AppConfig for applications that
// require it; call Bundle.CheckTrust first, as `juju deploy` does.
func Plan(b *Bundle) ([]Step, error) {
	data, err := b.changesData()
	if err != nil {
		return nil, fmt.Errorf("cannot deploy bundle: %w", err)
	}
	changes, err := bundlechanges.FromData(bundlechanges.ChangesConfig{Bundle: data, Logger: nopLogger{}})
	if err != nil {
		return nil, fmt.Errorf("cannot deploy bundle: %w", err)
	}
	charms := map[string]*Charm{} // charm reference → charm
	for name, app := range b.Applications {
		charms[b.Data.Applications[name].Charm] = app.Charm
	}
	apps := map[string]string{} // "$deploy-1" → application
	usedRelations := map[int]bool{}
	var steps []Step
	for _, ch := range changes {
		s := Step{ID: ch.Id(), Requires: ch.Requires(), Kind: StepKind(ch.Method()), Description: strings.Join(ch.Description(), "\n")}
		switch c := ch.(type) {
		case *bundlechanges.AddCharmChange:
			s.Charm = charms[c.Params.Charm]
		case *bundlechanges.AddApplicationChange:
			app := b.Applications[c.Params.Application]
			if app == nil {
				return nil, fmt.Errorf("cannot deploy bundle: plan deploys unknown application %q", c.Params.Application)
			}
			apps["$"+c.Id()] = app.Name
			s.Charm = app.Charm
			s.Application = app.Name
			s.NumUnits = c.Params.NumUnits
			s.Options = maps.Clone(app.Options)
			s.AppConfig = maps.Clone(app.AppConfig)
			if app.RequiresTrust {
				if s.AppConfig == nil {
					s.AppConfig = map[string]any{}
				}
				s.AppConfig[TrustKey] = true
			}
			s.Resources = maps.Clone(app.Resources)
		case *bundlechanges.ExposeChange:
			s.Application = apps[c.Params.Application]
		case *bundlechanges.SetAnnotationsChange:
			s.Application = apps[c.Params.Id]
			s.Annotations = maps.Clone(c.Params.Annotations)
		case *bundlechanges.AddRelationChange:
			rel, err := b.relationFor(apps, usedRelations, c.Params.Endpoint1, c.Params.Endpoint2)
			if err != nil {
				return nil, err
			}
			s.Relation = rel
		default:
			return nil, fmt.Errorf("cannot deploy bundle: the local controller cannot apply %q (%s)", ch.Method(), s.Description)
		}
		steps = append(steps, s)
	}
	return steps, nil
}

// changesData is the bundle as bundlechanges should see it: a copy
// (FromData rewrites legacy series in place) in which applications whose
// charm is a charmcraft.yaml directory carry the base bundlechanges would
// compute from the charm (core/charm ComputedBases, BaseForCharm) — it
// reads local charms itself for that, and Juju's reader knows no
// charmcraft.yaml.
func (b *Bundle) changesData() (*charm.BundleData, error) {
	bd := *b.Data
	bd.Applications = make(map[string]*charm.ApplicationSpec, len(b.Data.Applications))
	var defaultBase corebase.Base
	var err error
	switch {
	case b.Data.DefaultBase != "":
		defaultBase, err = corebase.ParseBaseFromString(b.Data.DefaultBase)
	case b.Data.Series != "":
		defaultBase, err = corebase.GetBaseFromSeries(b.Data.Series)
	}
	if err != nil {
		return nil, err
	}
	for name, spec := range b.Data.Applications {
		s := *spec
		bd.Applications[name] = &s
		app := b.Applications[name]
		if app == nil || !app.Charm.rendered || s.Base != "" || s.Series != "" {
			continue
		}
		bases, err := corecharm.ComputedBases(app.Charm.Juju)
		if err != nil {
			return nil, err
		}
		base, err := corecharm.BaseForCharm(defaultBase, bases)
		if err != nil {
			base = defaultBase // what bundlechanges does for a missing or unsupported base
		}
		if base.Empty() {
			return nil, fmt.Errorf("application %q: charm %q declares no base", name, app.Charm.Name())
		}
		s.Base = base.String()
	}
	return &bd, nil
}

// relationFor finds the resolved relation of a change's endpoints
// ("$deploy-1:db", "$deploy-3"): the bundle relation written the same way
// and not yet used (Juju adds one change per bundle relation, in order).
func (b *Bundle) relationFor(apps map[string]string, used map[int]bool, e1, e2 string) (Relation, error) {
	name := func(e string) string {
		ph, ep, hasEP := strings.Cut(e, ":")
		app, ok := apps[ph]
		if !ok {
			return e
		}
		if hasEP {
			return app + ":" + ep
		}
		return app
	}
	n1, n2 := name(e1), name(e2)
	for i, pair := range b.Data.Relations {
		if !used[i] && len(pair) == 2 && pair[0] == n1 && pair[1] == n2 && i < len(b.Relations) {
			used[i] = true
			return b.Relations[i], nil
		}
	}
	return Relation{}, fmt.Errorf("cannot deploy bundle: no resolved relation between %q and %q", n1, n2)
}
