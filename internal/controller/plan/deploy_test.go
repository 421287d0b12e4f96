package plan

import (
	"path/filepath"
	"reflect"
	"testing"
)

func TestValidateDeploy(t *testing.T) {
	t.Parallel()
	echo := filepath.Join("testdata", "charmcraft", "echo")
	image := map[string]string{"echo-image": "registry.example/echo:1"}
	existing := map[string]bool{"taken": true}
	tests := []struct {
		name string
		req  DeployRequest
		app  string
		err  string
	}{
		{name: "charm name", req: DeployRequest{CharmPath: echo, NumUnits: 1, Resources: image}, app: "echo"},
		{name: "own name and config", req: DeployRequest{CharmPath: echo, Application: "web", NumUnits: 3, Resources: image, Config: []string{"greeting=hi"}, Trust: true}, app: "web"},
		{name: "no charm", req: DeployRequest{NumUnits: 1}, err: "no charm or bundle specified"},
		{name: "uppercase", req: DeployRequest{CharmPath: echo, Application: "Web", NumUnits: 1}, err: `invalid application name "Web", unexpected uppercase character`},
		{name: "trailing number", req: DeployRequest{CharmPath: echo, Application: "web-1", NumUnits: 1}, err: `invalid application name "web-1", unexpected number(s) found after last hyphen`},
		{name: "no units", req: DeployRequest{CharmPath: echo, NumUnits: 0}, err: "--num-units must be a positive integer"},
		{name: "bad charm", req: DeployRequest{CharmPath: fixture("bad-config"), NumUnits: 1}, err: `~attempting to deploy "testdata/charms/bad-config": `},
		{name: "missing image", req: DeployRequest{CharmPath: echo, NumUnits: 1}, err: "local charm missing OCI images for: echo-image"},
		{name: "unknown resource", req: DeployRequest{CharmPath: echo, NumUnits: 1, Resources: map[string]string{"echo-image": "x", "nope": "y"}}, err: `unrecognized resource "nope"`},
		{name: "unknown resources", req: DeployRequest{CharmPath: echo, NumUnits: 1, Resources: map[string]string{"echo-image": "x", "b": "y", "a": "z"}}, err: `unrecognized resources: a, b`},
		{name: "bad config", req: DeployRequest{CharmPath: echo, NumUnits: 1, Resources: image, Config: []string{"greting=hi"}}, err: `unknown option "greting"`},
		{name: "exists", req: DeployRequest{CharmPath: echo, Application: "taken", NumUnits: 1, Resources: image}, err: `cannot add application "taken": application already exists`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := ValidateDeploy(tt.req, existing)
			checkErr(t, err, tt.err)
			if err != nil {
				return
			}
			if d.Application != tt.app || d.NumUnits != tt.req.NumUnits || d.Charm.Name() != "echo" || !reflect.DeepEqual(d.Resources, tt.req.Resources) {
				t.Errorf("got %+v", d)
			}
			if tt.req.Trust && d.Config.App["trust"] != true {
				t.Errorf("trust not granted: %v", d.Config.App)
			}
		})
	}
}
