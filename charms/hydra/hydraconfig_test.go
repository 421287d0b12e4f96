package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/identity-platform-go/charms/internal/interfaces/loginuiendpoints"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/<name>.golden (rewritten by -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s:\n got:\n%s\nwant:\n%s", name, path, got, want)
	}
}

func testConfigInput() configInput {
	return configInput{
		DSN:        "postgres://relation_id_3:pw%40rd@postgresql-k8s-primary.test-model.svc.cluster.local:5432/test-model_hydra",
		SystemKeys: []string{"system-new-0000000000000000", "system-old-0000000000000000"},
		CookieKeys: []string{"cookie-0000000000000000000"},
		Settings:   defaultSettings(),
		PublicURL:  "https://public.example.com/test-model-hydra/",
		LoginUI:    loginuiendpoints.ForBaseURL("https://public.example.com/test-model-login-ui"),
	}
}

func TestRenderConfig(t *testing.T) {
	t.Parallel()
	t.Run("jwt over https", func(t *testing.T) {
		t.Parallel()
		in := testConfigInput()
		in.DeviceFlow = true
		out, err := renderConfig(in)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "hydra-jwt", out)
	})
	t.Run("opaque tokens, dev mode over http, trace logs", func(t *testing.T) {
		t.Parallel()
		in := testConfigInput()
		in.Settings = settings{logLevel: "trace", jwtAccessTokens: false, dev: true}
		in.PublicURL = "http://10.213.150.7/test-hydra"
		in.LoginUI = loginuiendpoints.URLs{Consent: "http://ui/consent", Login: "http://ui/login", OIDCError: "http://ui/oidc_error",
			DeviceVerification: "http://ui/device_code", PostDeviceDone: "http://ui/device_complete"}
		out, err := renderConfig(in)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "hydra-opaque-dev", out)
	})
	t.Run("values that look like YAML stay strings", func(t *testing.T) {
		t.Parallel()
		in := testConfigInput()
		in.SystemKeys = []string{"yes", "- [x]: {y}", "0123"}
		in.LoginUI.Login = "https://ui/login?next=#a: b"
		out, err := renderConfig(in)
		if err != nil {
			t.Fatal(err)
		}
		var back hydraYAML
		if err := yaml.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		if strings.Join(back.Secrets.System, "|") != strings.Join(in.SystemKeys, "|") || back.URLs.Login != in.LoginUI.Login {
			t.Errorf("round trip changed values: %+v %q", back.Secrets.System, back.URLs.Login)
		}
	})
	for _, tc := range []struct {
		name string
		edit func(*configInput)
		want string
	}{
		{"no DSN", func(in *configInput) { in.DSN = "" }, "no DSN"},
		{"no system key", func(in *configInput) { in.SystemKeys = nil }, "no system or cookie key"},
		{"no cookie key", func(in *configInput) { in.CookieKeys = nil }, "no system or cookie key"},
		{"no issuer", func(in *configInput) { in.PublicURL = "" }, "no public URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := testConfigInput()
			tc.edit(&in)
			_, err := renderConfig(in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "pw%40rd") {
				t.Errorf("error leaks the DSN: %v", err)
			}
		})
	}
}

func TestSupportsDeviceFlow(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"v2.3.0": false, "v25.4.0": true, "v26.2.0": true, "": false, "master": false} {
		if got := supportsDeviceFlow(v); got != want {
			t.Errorf("supportsDeviceFlow(%q) = %v", v, got)
		}
	}
}

func TestPublicEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ public, path, want string }{
		{"https://public", "oauth2/auth", "https://public/oauth2/auth"},
		{"https://public/", "oauth2/auth", "https://public/oauth2/auth"},
		{"http://10.0.0.1/m-hydra", ".well-known/jwks.json", "http://10.0.0.1/m-hydra/.well-known/jwks.json"},
	} {
		if got := publicEndpoint(tc.public, tc.path); got != tc.want {
			t.Errorf("publicEndpoint(%q, %q) = %q, want %q", tc.public, tc.path, got, tc.want)
		}
	}
}
