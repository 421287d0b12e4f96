package controller_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// TestBadInput: every bad request is refused with a clear error and
// leaves the model as it was.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	e.deploy(e.charm("recorder"), "a", 1)
	e.deploy(e.charm("recorder"), "b", 1)
	e.settle()
	shape := func() any {
		st := e.status()
		out := map[string]any{"relations": len(st.Relations)}
		for name, app := range st.Applications {
			out[name] = len(app.Units)
		}
		cfg, _ := e.c.GetConfig(e.ctx, api.GetConfigRequest{Model: "test", Application: "a"})
		out["config"] = cfg.Settings["count"].Value
		return out
	}
	before := shape()

	bundle := filepath.Join(t.TempDir(), "bundle.yaml")
	if err := os.WriteFile(bundle, []byte("bundle: kubernetes\napplications:\n  c:\n    charm: "+e.charm("recorder")+"\n    scale: 1\nrelations:\n  - [c:nope, a:source]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	malformed := filepath.Join(t.TempDir(), "malformed.yaml")
	if err := os.WriteFile(malformed, []byte("bundle: kubernetes\napplications: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"unknown endpoint", func() error {
			_, err := e.c.Integrate(e.ctx, api.IntegrateRequest{Model: "test", Endpoints: []string{"a:nope", "b:sink"}})
			return err
		}, `application "a" has no "nope" relation`},
		{"wrong config type", func() error {
			return e.c.SetConfig(e.ctx, api.SetConfigRequest{Model: "test", Application: "a", Args: []string{"count=many"}})
		}, `option "count" expected int`},
		{"unknown config option", func() error {
			return e.c.SetConfig(e.ctx, api.SetConfigRequest{Model: "test", Application: "a", Args: []string{"nope=1"}})
		}, `unknown option "nope"`},
		{"bad action param", func() error {
			_, err := e.c.Run(e.ctx, api.RunRequest{Model: "test", Args: []string{"a/0", "set-app-data", "nokey=1"}})
			return err
		}, "key"},
		{"unknown action", func() error {
			_, err := e.c.Run(e.ctx, api.RunRequest{Model: "test", Args: []string{"a/0", "nope"}})
			return err
		}, "nope"},
		{"unknown unit", func() error {
			_, err := e.c.Run(e.ctx, api.RunRequest{Model: "test", Args: []string{"a/7", "events"}})
			return err
		}, `unit "a/7" not found`},
		{"deploy with a bad option", func() error {
			_, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: "test", Path: e.charm("recorder"), ApplicationName: "c", NumUnits: 1, NumUnitsSet: true, ConfigFlags: []string{"count=x"}}, nil)
			return err
		}, `option "count" expected int`},
		{"bundle with an unknown endpoint", func() error {
			_, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: "test", Path: bundle}, nil)
			return err
		}, "nope"},
		{"malformed bundle", func() error {
			_, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: "test", Path: malformed}, nil)
			return err
		}, "bundle"},
		{"unknown application", func() error {
			_, err := e.c.Scale(e.ctx, api.ScaleRequest{Model: "test", Application: "zz", Delta: 1})
			return err
		}, `application "zz" not found`},
	}
	for _, tt := range tests {
		err := tt.call()
		t.Logf("%s: %v", tt.name, err)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
	e.settle()
	if after := shape(); !reflect.DeepEqual(before, after) {
		t.Errorf("the model changed:\nbefore %v\nafter  %v", before, after)
	}
}
