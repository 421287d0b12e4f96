package charmcraft

import (
	"slices"
	"testing"
)

func TestGenerate(t *testing.T) {
	t.Parallel()
	c := mustParse(t, validYAML)
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	tests := []struct {
		file string
		gen  func() ([]byte, error)
		want string
	}{
		{"metadata.yaml", c.MetadataYAML, `name: demo
summary: A demo charm.
description: |
    Longer description.
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
`},
		// false, 0-like and "" defaults must survive; "yes" must stay a
		// quoted string because Juju's YAML 1.1 reader would make it a bool.
		{"config.yaml", c.ConfigYAML, `options:
    debug:
        type: boolean
        default: false
    greeting:
        type: string
        default: ""
    mode:
        type: string
        default: "yes"
    port:
        type: int
        description: Listen port.
        default: 8080
    ratio:
        type: float
        default: 1
    token:
        type: secret
`},
		{"actions.yaml", c.ActionsYAML, `create-client:
    description: Create a client.
    params:
        redirect-uris:
            items:
                type: string
            type: array
        scope:
            default: openid
            type: string
    required:
        - redirect-uris
    additionalProperties: false
get-redirect-uri:
    description: Print the redirect URI.
`},
		{"manifest.yaml", c.ManifestYAML, `bases:
    - name: ubuntu
      channel: "22.04"
      architectures:
        - amd64
`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got, err := tt.gen()
			if err != nil {
				t.Fatalf("generate: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestGenerateOptionalFilesAbsent(t *testing.T) {
	t.Parallel()
	c := &Charm{Name: "x"}
	for name, gen := range map[string]func() ([]byte, error){
		"config":  c.ConfigYAML,
		"actions": c.ActionsYAML,
	} {
		out, err := gen()
		if err != nil || out != nil {
			t.Errorf("%s: got %q, %v; want nil, nil", name, out, err)
		}
	}
	c.Config = &Config{}
	if out, err := c.ConfigYAML(); err != nil || out != nil {
		t.Errorf("empty options: got %q, %v; want nil, nil", out, err)
	}
}

func TestArchitectures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		platforms map[string]*Platform
		want      []string
	}{
		{"shorthand", map[string]*Platform{"amd64": nil}, []string{"amd64"}},
		{"empty entry", map[string]*Platform{"arm64": {}}, []string{"arm64"}},
		{"build-for", map[string]*Platform{"jammy-x86": {BuildOn: []string{"amd64"}, BuildFor: []string{"amd64"}}}, []string{"amd64"}},
		{"sorted and unique", map[string]*Platform{
			"arm64": nil, "amd64": nil, "x": {BuildOn: []string{"amd64"}, BuildFor: []string{"amd64"}},
		}, []string{"amd64", "arm64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := (&Charm{Platforms: tt.platforms}).Architectures()
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestManifestRejectsMalformedBase(t *testing.T) {
	t.Parallel()
	c := &Charm{Base: "ubuntu", Platforms: map[string]*Platform{"amd64": nil}}
	if _, err := c.ManifestYAML(); err == nil {
		t.Fatal("ManifestYAML accepted a base without @channel")
	}
}
