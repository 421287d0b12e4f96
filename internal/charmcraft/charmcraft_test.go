package charmcraft

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validYAML is a small but complete sidecar charm definition.
const validYAML = `
name: demo
type: charm
title: Demo
summary: A demo charm.
description: |
  Longer description.
links:
  source: https://example.com
base: ubuntu@22.04
platforms:
  amd64:
parts:
  charm:
    plugin: go
    source: .
containers:
  app:
    resource: app-image
    mounts:
      - storage: data
        location: /var/lib/app
resources:
  app-image:
    type: oci-image
    description: OCI image for app
    upstream-source: ghcr.io/example/app:1.0
storage:
  data:
    type: filesystem
    minimum-size: 1G
provides:
  metrics:
    interface: prometheus_scrape
requires:
  db:
    interface: postgresql_client
    limit: 1
peers:
  app-peers:
    interface: app_peers
config:
  options:
    port:
      type: int
      default: 8080
      description: Listen port.
    ratio:
      type: float
      default: 1
    debug:
      type: boolean
      default: false
    greeting:
      type: string
      default: ""
    token:
      type: secret
    mode:
      type: string
      default: "yes"
actions:
  get-redirect-uri:
    description: Print the redirect URI.
  create-client:
    description: Create a client.
    params:
      redirect-uris:
        type: array
        items:
          type: string
      scope:
        type: string
        default: openid
    required: [redirect-uris]
    additionalProperties: false
`

func mustParse(t *testing.T, src string) *Charm {
	t.Helper()
	c, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestParseStrict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     string
		wantErr string
	}{
		{"valid", validYAML, ""},
		{"typo at top level", "name: x\nrequries: {}\n", "field requries not found"},
		{"typo in option", "name: x\nconfig:\n  options:\n    a:\n      typ: string\n", "field typ not found"},
		{"duplicate key", "name: x\nname: y\n", "already defined"},
		{"empty", "", "document is empty"},
		{"two documents", "name: x\n---\nname: y\n", "single YAML document"},
		{"wrong shape", "name: [a]\n", "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.src))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse: unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Parse error = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(validYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, filepath.Join(dir, FileName)} {
		c, err := Load(p)
		if err != nil {
			t.Fatalf("Load(%s): %v", p, err)
		}
		if c.Name != "demo" {
			t.Errorf("Load(%s).Name = %q", p, c.Name)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Error("Load of a missing path succeeded")
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("nmae: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Load(bad) error = %v, want it to name the file", err)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(c *Charm)
		want   []string // substrings of problems; empty means valid
	}{
		{"valid", func(*Charm) {}, nil},
		{"missing name", func(c *Charm) { c.Name = "" }, []string{"name: is required"}},
		{"bad name", func(c *Charm) { c.Name = "Demo_1" }, []string{`name: "Demo_1" is not a valid charm name`}},
		{"bundle type", func(c *Charm) { c.Type = "bundle" }, []string{`type: must be "charm", got "bundle"`}},
		{"no summary", func(c *Charm) { c.Summary = " " }, []string{"summary: is required"}},
		{"no description", func(c *Charm) { c.Description = "" }, []string{"description: is required"}},
		{"no base", func(c *Charm) { c.Base = "" }, []string{"base: is required"}},
		{"old base", func(c *Charm) { c.Base = "ubuntu@20.04" }, []string{`base: "ubuntu@20.04" is not supported`}},
		{"no platforms", func(c *Charm) { c.Platforms = nil }, []string{"platforms: at least one platform"}},
		{"bad platform key", func(c *Charm) { c.Platforms = map[string]*Platform{"x86": nil} }, []string{`platforms.x86: "x86" is not a supported architecture`}},
		{"build-for all", func(c *Charm) {
			c.Platforms = map[string]*Platform{"any": {BuildOn: []string{"amd64"}, BuildFor: []string{"all"}}}
		}, []string{`platforms.any: "all" is not a supported architecture`}},
		{"build-for without build-on", func(c *Charm) {
			c.Platforms = map[string]*Platform{"p": {BuildFor: []string{"arm64"}}}
		}, []string{"platforms.p.build-on: is required"}},
		{"unknown option type", func(c *Charm) { c.Config.Options["port"] = Option{Type: "integer"} }, []string{`config.options.port.type: unknown type "integer"`}},
		{"missing option type", func(c *Charm) { c.Config.Options["port"] = Option{} }, []string{"config.options.port.type: is required"}},
		{"string default for int", func(c *Charm) { c.Config.Options["port"] = Option{Type: "int", Default: "8080"} }, []string{`config.options.port.default: expected an int, got string "8080"`}},
		{"float default for int", func(c *Charm) { c.Config.Options["port"] = Option{Type: "int", Default: 1.5} }, []string{"expected an int, got float 1.5"}},
		{"string default for boolean", func(c *Charm) { c.Config.Options["debug"] = Option{Type: "boolean", Default: "yes"} }, []string{`expected a boolean, got string "yes"`}},
		{"int default for string", func(c *Charm) { c.Config.Options["greeting"] = Option{Type: "string", Default: 3} }, []string{"expected a string, got int 3"}},
		{"bad secret default", func(c *Charm) { c.Config.Options["token"] = Option{Type: "secret", Default: "https://x"} }, []string{"expected a secret URI"}},
		{"bad action name", func(c *Charm) { c.Actions["Bad_Name"] = ActionSpec{} }, []string{`actions.Bad_Name: bad action name "Bad_Name"`}},
		{"trailing hyphen action", func(c *Charm) { c.Actions["run-"] = ActionSpec{} }, []string{"bad action name"}},
		{"reserved action", func(c *Charm) { c.Actions["juju-run"] = ActionSpec{} }, []string{`reserved action name: the "juju-" prefix is reserved`}},
		{"required not declared", func(c *Charm) {
			a := c.Actions["create-client"]
			a.Required = []string{"redirect-uris", "nope"}
			c.Actions["create-client"] = a
		}, []string{`actions.create-client.required: "nope" is not declared under params`}},
		{"bad param type", func(c *Charm) {
			c.Actions["create-client"].Params["scope"] = map[string]any{"type": "str"}
		}, []string{`actions.create-client.params.scope.type: unknown JSON-schema type str`}},
		{"param $ref", func(c *Charm) {
			c.Actions["create-client"].Params["scope"] = map[string]any{"$ref": "#/x"}
		}, []string{`schema key "$ref" is not supported`}},
		{"param not a mapping", func(c *Charm) {
			c.Actions["create-client"].Params["scope"] = "string"
		}, []string{"actions.create-client.params.scope: must be a JSON-schema mapping"}},
		{"endpoint without interface", func(c *Charm) { c.Requires["db"] = Endpoint{} }, []string{"requires.db.interface: is required"}},
		{"bad endpoint name", func(c *Charm) { c.Provides["Metrics"] = Endpoint{Interface: "x"} }, []string{`provides.Metrics: "Metrics" is not a valid endpoint name`}},
		{"reserved endpoint", func(c *Charm) { c.Provides["juju-info2"] = Endpoint{Interface: "x"} }, []string{"provides.juju-info2: reserved endpoint name"}},
		{"reserved provided interface", func(c *Charm) { c.Provides["info"] = Endpoint{Interface: "juju-info"} }, []string{"provides.info.interface: reserved interface name"}},
		{"duplicate endpoint", func(c *Charm) { c.Requires["metrics"] = Endpoint{Interface: "x"} }, []string{"requires.metrics: endpoint name is already used under provides"}},
		{"bad scope", func(c *Charm) { c.Requires["db"] = Endpoint{Interface: "x", Scope: "local"} }, []string{`requires.db.scope: must be global or container, got "local"`}},
		{"container without resource", func(c *Charm) { c.Containers["app"] = Container{} }, []string{"containers.app.resource: is required"}},
		{"container missing resource", func(c *Charm) { c.Containers["app"] = Container{Resource: "missing"} }, []string{`containers.app.resource: referenced resource "missing" is not declared`}},
		{"container file resource", func(c *Charm) {
			c.Resources["cfg"] = Resource{Type: "file", Filename: "cfg.yaml"}
			c.Containers["app"] = Container{Resource: "cfg"}
		}, []string{`referenced resource "cfg" is not an oci-image`}},
		{"bad container name", func(c *Charm) { c.Containers["App_1"] = Container{Resource: "app-image"} }, []string{`containers.App_1: "App_1" is not a valid container name`}},
		{"mount undeclared storage", func(c *Charm) {
			c.Containers["app"] = Container{Resource: "app-image", Mounts: []Mount{{Storage: "nope", Location: "/x"}}}
		}, []string{`containers.app.mounts[0].storage: storage "nope" is not declared`}},
		{"relative mount", func(c *Charm) {
			c.Containers["app"] = Container{Resource: "app-image", Mounts: []Mount{{Storage: "data", Location: "x"}}}
		}, []string{`containers.app.mounts[0].location: "x" must be an absolute path`}},
		{"bad resource type", func(c *Charm) { c.Resources["r"] = Resource{Type: "docker"} }, []string{`resources.r.type: unsupported resource type "docker"`}},
		{"file resource without filename", func(c *Charm) { c.Resources["r"] = Resource{Type: "file"} }, []string{"resources.r.filename: is required"}},
		{"bad storage type", func(c *Charm) { c.Storage["data"] = Storage{Type: "tmpfs"} }, []string{`storage.data.type: unsupported storage type "tmpfs"`}},
		{"block with location", func(c *Charm) {
			c.Storage["blk"] = Storage{Type: "block", Location: "/dev/x"}
		}, []string{"storage.blk.location: may not be specified for type block"}},
		{"bad storage size", func(c *Charm) { c.Storage["data"] = Storage{Type: "filesystem", MinimumSize: "1 gig"} }, []string{`storage.data.minimum-size: "1 gig" is not a size`}},
		{"several problems at once", func(c *Charm) {
			c.Type = ""
			c.Config.Options["port"] = Option{Type: "integer"}
		}, []string{"type: must be", "config.options.port.type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := mustParse(t, validYAML)
			tt.mutate(c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: unexpected error %v", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate error = %v (%T), want *ValidationError", err, err)
			}
			if len(verr.Problems) != len(tt.want) {
				t.Errorf("got %d problems %q, want %d", len(verr.Problems), verr.Problems, len(tt.want))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestValidateJujuPrefixedCharmMayUseReservedNames(t *testing.T) {
	t.Parallel()
	c := mustParse(t, validYAML)
	c.Name = "juju-demo"
	c.Provides["juju-info2"] = Endpoint{Interface: "juju-info"}
	c.Actions["juju-run"] = ActionSpec{}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}
