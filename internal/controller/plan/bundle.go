package plan

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/juju/charm/v12"
	charmresource "github.com/juju/charm/v12/resource"
	"github.com/juju/juju/core/constraints"
	"github.com/juju/juju/core/devices"
	"github.com/juju/juju/storage"
)

// Bundle is a local bundle that passed every check `juju deploy
// ./bundle.yaml` makes, plus the charm-aware ones Juju only meets while
// deploying.
type Bundle struct {
	// Path is the absolute path of the bundle file.
	Path string
	// Data is Juju's reading of the bundle after merging its documents,
	// with local charm paths made absolute.
	Data *charm.BundleData
	// Applications by name.
	Applications map[string]*Application
	// Relations are the bundle's relations with both endpoints resolved,
	// in bundle order.
	Relations []Relation
	// Warnings are what Juju would let pass but the local controller
	// ignores or Juju itself only warns about: unknown bundle fields,
	// constraints, storage, devices, bindings, annotations.
	Warnings []string
}

// Application is one application of a bundle.
type Application struct {
	Name string
	// Charm is the loaded local charm.
	Charm *Charm
	// Scale is `scale` (or `num_units`).
	Scale int
	// Options are the typed charm settings (ValidateConfig).
	Options map[string]any
	// AppConfig is application config given among the options
	// (trust, kubernetes-*).
	AppConfig map[string]any
	// RequiresTrust is `trust: true` or an option trust=true; deploying
	// needs --trust (CheckTrust).
	RequiresTrust bool
	// Resources are the resources given as strings: an OCI image
	// reference or a file path (relative to the bundle's directory, as
	// Juju resolves it).
	Resources map[string]string
	// Constraints are kept for display; the local runtime does not
	// enforce them.
	Constraints string
	// Expose is `expose: true` or exposed-endpoints.
	Expose bool
}

// BundleError lists every problem of a bundle, in the form
// `juju deploy` prints when its verification fails.
type BundleError struct {
	Errors []error
}

func (e *BundleError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, err := range e.Errors {
		msgs[i] = err.Error()
	}
	return "cannot deploy bundle: the provided bundle has the following errors:\n" + strings.Join(msgs, "\n")
}

// The checks `juju deploy` hands Juju's bundle verifier
// (cmd/juju/application/bundle/bundle.go): Juju's own parsers.
func verifyConstraints(s string) error { _, err := constraints.Parse(s); return err }
func verifyStorage(s string) error     { _, err := storage.ParseConstraints(s); return err }
func verifyDevices(s string) error     { _, err := devices.ParseConstraints(s); return err }

func verifyBaseConstraints(s string) error {
	c, err := constraints.Parse(s)
	if err != nil {
		return err
	}
	if c.HasImageID() {
		return errors.New("'image-id' constraint in a base bundle not supported")
	}
	return nil
}

// ParseBundle reads and validates a local bundle file the way `juju
// deploy ./bundle.yaml` does, then loads its charms and checks the bundle
// against them, so that every mistake is reported before anything is
// deployed:
//
//  1. charm.LocalBundleDataSource; strict-decoding problems (unknown
//     fields) become Warnings, as Juju only warns;
//  2. the base document is verified (VerifyLocal with Juju's constraint,
//     storage and device parsers; no image-id), the documents are merged
//     (ReadAndMergeBundleData: relative charm paths become absolute) and
//     the result verified again (cmd/juju/application/bundle
//     ComposeAndVerifyBundle);
//  3. each application's local charm is read (`cannot deploy local charm
//     at "<path>": …`, as the bundle handler says);
//  4. VerifyWithCharms: endpoints exist, roles and interfaces match,
//     endpoint-less relations infer, options exist and type-check —
//     errors Juju would only meet half-way through the deployment;
//  5. options are split into charm settings and application config and
//     validated (ValidateConfig, secret URIs), relations are resolved
//     with InferRelation (`cannot add relation between "a" and "b": …`).
//
// Errors from one phase come together as a *BundleError; the local
// controller deploys Kubernetes bundles of local charms only, and refuses
// Charmhub charms, machines, SAAS and offers with a clear message.
func ParseBundle(path string) (*Bundle, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("cannot deploy bundle: %w", err)
	}
	src, err := charm.LocalBundleDataSource(abs)
	if err != nil {
		return nil, fmt.Errorf("cannot deploy bundle: %w", err)
	}
	b := &Bundle{Path: abs, Applications: map[string]*Application{}}
	for _, part := range src.Parts() {
		if part.UnmarshallError != nil {
			b.Warnings = append(b.Warnings, fmt.Sprintf("ignored: %v", part.UnmarshallError))
		}
	}
	if parts := src.Parts(); len(parts) > 0 {
		if err := verify(parts[0].Data, src.BasePath(), verifyBaseConstraints); err != nil {
			return nil, err
		}
	}
	bd, err := charm.ReadAndMergeBundleData(src)
	if err != nil {
		return nil, fmt.Errorf("cannot deploy bundle: %w", err)
	}
	if err := verify(bd, src.BasePath(), verifyConstraints); err != nil {
		return nil, err
	}
	b.Data = bd
	if err := b.checkSupported(); err != nil {
		return nil, err
	}
	if err := b.loadCharms(); err != nil {
		return nil, err
	}
	if err := b.verifyWithCharms(); err != nil {
		return nil, err
	}
	if err := b.resolve(src.BasePath()); err != nil {
		return nil, err
	}
	return b, nil
}

// verify is bundle.go's verifyBundle.
func verify(bd *charm.BundleData, dir string, cons func(string) error) error {
	return verifyError(bd.VerifyLocal(dir, cons, verifyStorage, verifyDevices))
}

// verifyError is how the deploy command reports a failed verification:
// each of the charm library's errors, or the one error it met.
func verifyError(err error) error {
	var v *charm.VerificationError
	if errors.As(err, &v) {
		return &BundleError{Errors: v.Errors}
	}
	if err != nil {
		return fmt.Errorf("cannot deploy bundle: %w", err)
	}
	return nil
}

// checkSupported refuses what the local controller cannot deploy.
func (b *Bundle) checkSupported() error {
	var errs []error
	if b.Data.Type != "kubernetes" {
		errs = append(errs, errors.New(`the local controller deploys Kubernetes bundles only: add "bundle: kubernetes"`))
	}
	if len(b.Data.Saas) > 0 {
		errs = append(errs, errors.New("the local controller has no cross-model relations: remove the saas section"))
	}
	for _, name := range sortedKeys(b.Data.Applications) {
		app := b.Data.Applications[name]
		if !isLocalCharm(app.Charm) {
			errs = append(errs, fmt.Errorf("application %q: charm %q is not a local charm; the local controller deploys charms from paths only (\"./…\" or an absolute path)", name, app.Charm))
		}
		if len(app.Offers) > 0 {
			errs = append(errs, fmt.Errorf("application %q: the local controller has no offers", name))
		}
	}
	if len(errs) > 0 {
		return &BundleError{Errors: errs}
	}
	return nil
}

func isLocalCharm(ref string) bool { return strings.HasPrefix(ref, ".") || filepath.IsAbs(ref) }

// loadCharms reads every application's charm; one charm used by several
// applications is read once.
func (b *Bundle) loadCharms() error {
	loaded := map[string]*Charm{}
	var errs []error
	for _, name := range sortedKeys(b.Data.Applications) {
		ref := b.Data.Applications[name].Charm
		ch, ok := loaded[ref]
		if !ok {
			var err error
			if ch, err = readLocalCharm(ref); err != nil {
				errs = append(errs, fmt.Errorf("cannot deploy local charm at %q: %w", ref, err))
				continue
			}
			loaded[ref] = ch
		}
		b.Applications[name] = &Application{Name: name, Charm: ch}
	}
	if len(errs) > 0 {
		return &BundleError{Errors: errs}
	}
	return nil
}

// verifyWithCharms runs Juju's charm-aware bundle verification.
// Application-config keys among the options are hidden from it: the
// controller takes them out before the charm sees the rest.
func (b *Bundle) verifyWithCharms() error {
	charms := map[string]charm.Charm{}
	shadow := *b.Data
	shadow.Applications = map[string]*charm.ApplicationSpec{}
	for name, spec := range b.Data.Applications {
		s := *spec
		s.Options = map[string]any{}
		for k, v := range spec.Options {
			if !IsAppConfigKey(k) {
				s.Options[k] = v
			}
		}
		shadow.Applications[name] = &s
		charms[spec.Charm] = b.Applications[name].Charm.Juju
	}
	return verifyError(shadow.VerifyWithCharms(verifyConstraints, verifyStorage, verifyDevices, charms))
}

// resolve fills in the applications' typed settings and resources and
// the relations' endpoints.
func (b *Bundle) resolve(dir string) error {
	var errs []error
	charms := map[string]*Charm{}
	for _, name := range sortedKeys(b.Data.Applications) {
		spec, app := b.Data.Applications[name], b.Applications[name]
		charms[name] = app.Charm
		app.Scale = spec.NumUnits
		app.Constraints = spec.Constraints
		app.Expose = spec.Expose || len(spec.ExposedEndpoints) > 0
		app.RequiresTrust = spec.RequiresTrust || spec.Options[TrustKey] == true
		var err error
		if app.Options, app.AppConfig, err = SplitConfig(app.Charm, spec.Options); err != nil {
			errs = append(errs, fmt.Errorf("cannot validate application %q: %w", name, err))
		}
		app.Resources = map[string]string{}
		meta := app.Charm.Meta().Resources
		for _, res := range sortedKeys(spec.Resources) {
			m, ok := meta[res]
			if !ok {
				errs = append(errs, fmt.Errorf("application %q: charm %q has no resource %q", name, app.Charm.Name(), res))
				continue
			}
			s, ok := spec.Resources[res].(string)
			if !ok {
				errs = append(errs, fmt.Errorf("application %q: resource %q is a Charmhub revision; the local controller needs an image reference or a file path", name, res))
				continue
			}
			// The bundle handler's makeResourceMap: a relative path is
			// taken from the bundle's directory when it exists there (or
			// the resource is a file); otherwise it is an image reference.
			if !filepath.IsAbs(s) {
				p := filepath.Clean(filepath.Join(dir, s))
				if _, err := os.Stat(p); err == nil || m.Type == charmresource.TypeFile {
					s = p
				}
			}
			app.Resources[res] = s
		}
		for what, set := range map[string]bool{
			"constraints " + spec.Constraints:         spec.Constraints != "",
			"storage directives":                      len(spec.Storage) > 0,
			"device constraints":                      len(spec.Devices) > 0,
			"endpoint bindings":                       len(spec.EndpointBindings) > 0,
			"annotations":                             len(spec.Annotations) > 0,
			"placement " + strings.Join(spec.To, ","): len(spec.To) > 0,
		} {
			if set {
				b.Warnings = append(b.Warnings, fmt.Sprintf("application %q: %s ignored by the local runtime", name, what))
			}
		}
	}
	slices.Sort(b.Warnings)
	for _, pair := range b.Data.Relations {
		ep1, ep2, err := InferRelation(charms, pair[0], pair[1])
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot add relation between %q and %q: %w", pair[0], pair[1], err))
			continue
		}
		b.Relations = append(b.Relations, Relation{Endpoints: []Endpoint{ep1, ep2}})
	}
	if len(errs) > 0 {
		return &BundleError{Errors: errs}
	}
	return nil
}

// RequiringTrust lists, sorted, the applications that need --trust.
func (b *Bundle) RequiringTrust() []string {
	var names []string
	for name, app := range b.Applications {
		if app.RequiresTrust {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// CheckTrust is `juju deploy`'s trust consent check
// (cmd/juju/application/deployer/bundle.go): a bundle with applications
// that require trust deploys only with --trust (or --force).
func (b *Bundle) CheckTrust(trust, force bool) error {
	if trust || force {
		return nil
	}
	if tl := b.RequiringTrust(); len(tl) > 0 {
		return fmt.Errorf(`Bundle cannot be deployed without trusting applications with your cloud credentials.
Please repeat the deploy command with the --trust argument if you consent to trust the following application(s):
  - %s`, strings.Join(tl, "\n  - "))
	}
	return nil
}
