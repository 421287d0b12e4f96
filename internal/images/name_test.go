package images

import (
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	digest := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		in, want string
	}{
		{"traefik:v3.6", "docker.io/library/traefik:v3.6"},
		{"docker.io/traefik:v3.6", "docker.io/library/traefik:v3.6"},
		{"docker.io/library/traefik:v3.6", "docker.io/library/traefik:v3.6"},
		{"index.docker.io/library/traefik:v3.6", "docker.io/library/traefik:v3.6"},
		{"traefik", "docker.io/library/traefik:latest"},
		{"ubuntu/traefik:2-22.04", "docker.io/ubuntu/traefik:2-22.04"},
		{"ghcr.io/canonical/hydra:2.3.0-canonical", "ghcr.io/canonical/hydra:2.3.0-canonical"},
		{"ghcr.io/juju/charm-base:ubuntu-22.04", "ghcr.io/juju/charm-base:ubuntu-22.04"},
		{"localhost/app", "localhost/app:latest"},
		{"localhost:5000/team/app:1.2", "localhost:5000/team/app:1.2"},
		{"registry.example.com:443/a/b/c:Tag_1", "registry.example.com:443/a/b/c:Tag_1"},
		{"ghcr.io/canonical/charmed-postgresql@" + digest, "ghcr.io/canonical/charmed-postgresql@" + digest},
		{"postgres:15@" + digest, "docker.io/library/postgres:15@" + digest},
		{"my__app/x.y-z:1", "docker.io/my__app/x.y-z:1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := NormalizeName(tt.in)
			if err != nil {
				t.Fatalf("NormalizeName(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			again, err := NormalizeName(got)
			if err != nil || again != got {
				t.Errorf("NormalizeName(%q) = %q, %v; want it unchanged", got, again, err)
			}
		})
	}
}

func TestNormalizeNameRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, wantErr string
	}{
		{"", "empty"},
		{"Traefik:v3.6", "invalid repository component"},
		{"docker.io/Library/traefik", "invalid repository component"},
		{"traefik:", "invalid tag"},
		{"traefik:-x", "invalid tag"},
		{"traefik:" + strings.Repeat("x", 129), "invalid tag"},
		{"traefik@sha256:abc", "invalid digest"},
		{"traefik@", "invalid digest"},
		{"a//b", "invalid repository component"},
		{"ghcr.io/", "invalid repository component"},
		{"-bad.io/x", "invalid registry"},
		{"ex ample.com/x", "invalid registry"},
		{"trae fik", "invalid repository component"},
		{"ghcr.io/" + strings.Repeat("a", 300), "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := NormalizeName(tt.in)
			if err == nil {
				t.Fatalf("NormalizeName(%q) = %q, want an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NormalizeName(%q) error %q, want it to mention %q", tt.in, err, tt.wantErr)
			}
		})
	}
}
