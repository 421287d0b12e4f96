package plan

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	charmresource "github.com/juju/charm/v12/resource"
	"github.com/juju/names/v5"
)

// DeployRequest is `juju deploy <charm-path> [<application>] [-n N]
// [--config …] [--trust] [--resource name=value …]`.
type DeployRequest struct {
	CharmPath   string
	Application string // "" means the charm's name
	NumUnits    int    // -n; the command's default is 1
	Config      []string
	Trust       bool
	Resources   map[string]string
}

// Deployment is a validated DeployRequest.
type Deployment struct {
	Charm       *Charm
	Application string
	NumUnits    int
	Config      *DeployConfig
	Resources   map[string]string
}

// ValidateDeploy checks a single-charm deploy into a model whose
// applications are existing, in the order Juju meets the problems
// (cmd/juju/application/deploy.go Init, deployer/deployer.go and
// charm.go, cmd/juju/resource/validation.go, the controller's Deploy and
// state.AddApplication):
//
//	no charm or bundle specified
//	invalid application name "Web", unexpected uppercase character
//	--num-units must be a positive integer
//	attempting to deploy "./x.charm": … (LoadCharm)
//	local charm missing OCI images for: a, b
//	unrecognized resource "x"
//	unknown option "x" / option "port" expected int, got "x" (ParseDeployConfig)
//	cannot add application "web": application already exists
//
// Juju takes a local charm's OCI images only from --resource; the local
// controller's CLI may fill Resources from its image catalog first.
func ValidateDeploy(req DeployRequest, existing map[string]bool) (*Deployment, error) {
	if req.CharmPath == "" {
		return nil, errors.New("no charm or bundle specified")
	}
	if req.Application != "" {
		if err := names.ValidateApplicationName(req.Application); err != nil {
			return nil, err
		}
	}
	if req.NumUnits < 1 {
		return nil, errors.New("--num-units must be a positive integer")
	}
	ch, err := LoadCharm(req.CharmPath)
	if err != nil {
		return nil, err
	}
	app := req.Application
	if app == "" {
		app = ch.Name()
	}
	meta := ch.Meta().Resources
	var missing []string
	for name, m := range meta {
		if _, ok := req.Resources[name]; !ok && m.Type == charmresource.TypeContainerImage {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("local charm missing OCI images for: %v", strings.Join(missing, ", "))
	}
	var unknown []string
	for name := range req.Resources {
		if _, ok := meta[name]; !ok {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	switch {
	case len(unknown) == 1:
		return nil, fmt.Errorf("unrecognized resource %q", unknown[0])
	case len(unknown) > 1:
		return nil, fmt.Errorf("unrecognized resources: %s", strings.Join(unknown, ", "))
	}
	cfg, err := ParseDeployConfig(ch, app, req.Config, req.Trust)
	if err != nil {
		return nil, err
	}
	if existing[app] {
		return nil, fmt.Errorf("cannot add application %q: application already exists", app)
	}
	return &Deployment{Charm: ch, Application: app, NumUnits: req.NumUnits, Config: cfg, Resources: req.Resources}, nil
}
