package localpods_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// What the charms will render, reduced to what this stack needs. The
// shapes follow the reference charms (hydra-operator's hydra.yaml and
// layer, traefik-k8s's static and file-provider configs, a plain
// PostgreSQL where postgresql-k8s runs Patroni).

// layer is a Pebble layer (github.com/canonical/pebble internals/plan).
type layer struct {
	Summary  string             `yaml:"summary"`
	Services map[string]service `yaml:"services,omitempty"`
	Checks   map[string]check   `yaml:"checks,omitempty"`
}

type service struct {
	Override    string            `yaml:"override"`
	Summary     string            `yaml:"summary,omitempty"`
	Command     string            `yaml:"command"`
	Startup     string            `yaml:"startup"`
	User        string            `yaml:"user,omitempty"`
	Environment map[string]string `yaml:"environment,omitempty"`
}

type check struct {
	Override  string     `yaml:"override"`
	Level     string     `yaml:"level,omitempty"`
	Period    string     `yaml:"period,omitempty"`
	Threshold int        `yaml:"threshold,omitempty"`
	HTTP      *httpCheck `yaml:"http,omitempty"`
	Exec      *execCheck `yaml:"exec,omitempty"`
}

type httpCheck struct {
	URL string `yaml:"url"`
}

type execCheck struct {
	Command string `yaml:"command"`
	User    string `yaml:"user,omitempty"`
}

func mustYAML(t testing.TB, v any) []byte {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatalf("render YAML: %v", err)
	}
	return b
}

// PostgreSQL: Debian's binaries (the postgres:15 image's layout), data in
// a subdirectory of the storage volume as postgresql-k8s keeps it (a real
// volume's root may hold lost+found, which initdb refuses).
const (
	pgBin     = "/usr/lib/postgresql/15/bin/"
	pgStorage = "/var/lib/postgresql/data"
	pgData    = pgStorage + "/pgdata"
	// pgSocketDir is where the server puts its unix socket and local
	// clients look for it (Debian's compiled-in /var/run/postgresql does
	// not exist in a fresh container).
	pgSocketDir = "/tmp"
)

// pgHBA lets local clients in as their own OS user and everything else,
// the runtime's pods included, in with a SCRAM password.
func pgHBA(subnet netip.Prefix) []byte {
	return []byte(strings.Join([]string{
		"# TYPE DATABASE USER ADDRESS METHOD",
		"local all all peer",
		"host all all 127.0.0.1/32 scram-sha-256",
		"host all all ::1/128 scram-sha-256",
		fmt.Sprintf("host all all %s scram-sha-256", subnet.Masked()),
		"",
	}, "\n"))
}

func postgresLayer() layer {
	return layer{
		Summary: "postgresql layer",
		Services: map[string]service{
			"postgresql": {
				Override: "replace",
				Summary:  "PostgreSQL 15",
				Command: pgBin + "postgres -D " + pgData +
					" -c listen_addresses=* -c unix_socket_directories=" + pgSocketDir +
					" -c password_encryption=scram-sha-256",
				Startup: "enabled",
				User:    "postgres",
			},
		},
		Checks: map[string]check{
			"postgresql-ready": {
				Override: "replace",
				Level:    "ready",
				Period:   "2s",
				Exec:     &execCheck{Command: pgBin + "pg_isready -q -h " + pgSocketDir + " -p 5432", User: "postgres"},
			},
		},
	}
}

// hydraConfig is /etc/config/hydra.yaml as the hydra charm renders it
// (reference §1.5) for a plain-HTTP public route: `dev: true` is what the
// charm sets from its `dev` option, and what Hydra requires for an http
// issuer (driver/config.Validate); no flag is needed.
type hydraConfig struct {
	DSN string `yaml:"dsn"`
	Dev bool   `yaml:"dev"`
	Log struct {
		Level  string `yaml:"level"`
		Format string `yaml:"format"`
	} `yaml:"log"`
	Secrets struct {
		Cookie []string `yaml:"cookie"`
		System []string `yaml:"system"`
	} `yaml:"secrets"`
	Serve struct {
		Public hydraListener `yaml:"public"`
		Admin  hydraListener `yaml:"admin"`
	} `yaml:"serve"`
	OAuth2 struct {
		ExposeInternalErrors bool `yaml:"expose_internal_errors"`
	} `yaml:"oauth2"`
	Strategies struct {
		AccessToken string `yaml:"access_token"`
		JWT         struct {
			ScopeClaim string `yaml:"scope_claim"`
		} `yaml:"jwt"`
		Scope string `yaml:"scope"`
	} `yaml:"strategies"`
	URLs struct {
		Self struct {
			Issuer string `yaml:"issuer"`
			Public string `yaml:"public"`
		} `yaml:"self"`
	} `yaml:"urls"`
	Webfinger struct {
		OIDCDiscovery struct {
			SupportedScope []string `yaml:"supported_scope"`
		} `yaml:"oidc_discovery"`
		JWKS struct {
			BroadcastKeys []string `yaml:"broadcast_keys"`
		} `yaml:"jwks"`
	} `yaml:"webfinger"`
	// SQA opts out of Ory's usage telemetry: pods have no route out.
	SQA struct {
		OptOut bool `yaml:"opt_out"`
	} `yaml:"sqa"`
}

type hydraListener struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	CORS struct {
		Enabled        bool     `yaml:"enabled"`
		AllowedOrigins []string `yaml:"allowed_origins"`
	} `yaml:"cors"`
}

const hydraConfigPath = "/etc/config/hydra.yaml"

func newHydraConfig(dsn, issuer, systemSecret, cookieSecret string) hydraConfig {
	var c hydraConfig
	c.DSN = dsn
	c.Dev = true
	c.Log.Level, c.Log.Format = "info", "json"
	c.Secrets.System = []string{systemSecret}
	c.Secrets.Cookie = []string{cookieSecret}
	for _, l := range []struct {
		l    *hydraListener
		port int
	}{{&c.Serve.Public, 4444}, {&c.Serve.Admin, 4445}} {
		l.l.Host, l.l.Port = "0.0.0.0", l.port
		l.l.CORS.Enabled, l.l.CORS.AllowedOrigins = true, []string{"*"}
	}
	c.Strategies.AccessToken = "jwt"
	c.Strategies.JWT.ScopeClaim = "list"
	c.Strategies.Scope = "exact"
	c.URLs.Self.Issuer, c.URLs.Self.Public = issuer, issuer
	c.Webfinger.OIDCDiscovery.SupportedScope = []string{"openid", "profile", "email", "phone"}
	c.Webfinger.JWKS.BroadcastKeys = []string{"hydra.openid.id-token", "hydra.jwt.access-token"}
	c.SQA.OptOut = true
	return c
}

// hydraLayer is the hydra charm's layer (reference §1.4), with startup
// enabled so that a replan starts it.
func hydraLayer() layer {
	return layer{
		Summary: "hydra layer",
		Services: map[string]service{
			"hydra": {
				Override:    "replace",
				Summary:     "hydra",
				Command:     "hydra serve all --config " + hydraConfigPath,
				Startup:     "enabled",
				Environment: map[string]string{"TRACING_ENABLED": "false", "DEV": "true"},
			},
		},
		Checks: map[string]check{
			"ready": {Override: "replace", Level: "ready", Period: "2s", Threshold: 3,
				HTTP: &httpCheck{URL: "http://localhost:4445/health/ready"}},
			"alive": {Override: "replace", Level: "alive", Period: "2s",
				HTTP: &httpCheck{URL: "http://localhost:4445/health/alive"}},
		},
	}
}

// Traefik: the traefik-k8s charm's static config (reference §2.5) and one
// ingress-per-app file of its file-provider directory (§2.6), path mode
// with strip-prefix. forceSlash is left out: Traefik v3 deprecates it.
const (
	traefikStaticPath  = "/etc/traefik/traefik.yaml"
	traefikDynamicDir  = "/opt/traefik/juju"
	traefikDiagnostics = 8082
)

func traefikStatic() map[string]any {
	return map[string]any{
		"global": map[string]any{"checkNewVersion": false, "sendAnonymousUsage": false},
		"log":    map[string]any{"level": "INFO", "noColor": true},
		"entryPoints": map[string]any{
			"diagnostics": map[string]any{"address": fmt.Sprintf(":%d", traefikDiagnostics)},
			"web":         map[string]any{"address": ":80"},
		},
		"ping":      map[string]any{"entryPoint": "diagnostics"},
		"providers": map[string]any{"file": map[string]any{"directory": traefikDynamicDir, "watch": true}},
	}
}

// traefikIngress routes /<model>-<app> to the upstream URLs, prefix
// stripped: what traefik-k8s writes for an ingress v2 requirer.
func traefikIngress(model, app string, upstreams ...string) map[string]any {
	prefix := model + "-" + app
	var servers []map[string]string
	for _, u := range upstreams {
		servers = append(servers, map[string]string{"url": u})
	}
	return map[string]any{"http": map[string]any{
		"routers": map[string]any{
			"juju-" + prefix + "-router": map[string]any{
				"rule":        fmt.Sprintf("PathPrefix(`/%s`)", prefix),
				"service":     "juju-" + prefix + "-service",
				"entryPoints": []string{"web"},
				"middlewares": []string{"juju-sidecar-noprefix-" + prefix},
			},
		},
		"middlewares": map[string]any{
			"juju-sidecar-noprefix-" + prefix: map[string]any{
				"stripPrefix": map[string]any{"prefixes": []string{"/" + prefix}},
			},
		},
		"services": map[string]any{
			"juju-" + prefix + "-service": map[string]any{
				"loadBalancer": map[string]any{"servers": servers},
			},
		},
	}}
}

func traefikLayer() layer {
	return layer{
		Summary: "traefik layer",
		Services: map[string]service{
			"traefik": {
				Override: "replace",
				Summary:  "Traefik",
				Command:  "traefik --configFile=" + traefikStaticPath,
				Startup:  "enabled",
			},
		},
		Checks: map[string]check{
			"ready": {Override: "replace", Level: "ready", Period: "2s",
				HTTP: &httpCheck{URL: fmt.Sprintf("http://localhost:%d/ping", traefikDiagnostics)}},
		},
	}
}
