package main

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/identity-platform-go/charms/internal/interfaces/loginuiendpoints"
)

// configPath is where Hydra reads its configuration (the layer's
// --config).
const configPath = "/etc/config/hydra.yaml"

// supportedScopes are the scopes Hydra advertises and the oauth relation
// publishes (the reference charm's DEFAULT_OAUTH_SCOPES).
var supportedScopes = []string{"openid", "profile", "email", "phone"}

// configInput is everything hydra.yaml is rendered from. It holds the
// DSN and the keys: never log it.
type configInput struct {
	DSN string
	// SystemKeys and CookieKeys are newest (active) first.
	SystemKeys, CookieKeys []string
	Settings               settings
	// PublicURL is the public ingress URL: Hydra's issuer.
	PublicURL string
	LoginUI   loginuiendpoints.URLs
	// DeviceFlow renders urls.device: Hydra v2.x has no device flow and
	// refuses the key; Canonical's v25+ images have it.
	DeviceFlow bool
}

// deviceFlowSince is the first Hydra major version with the device
// authorization grant (Ory moved to calendar versions: v25.4.0).
const deviceFlowSince = 25

// supportsDeviceFlow tells from `hydra version` ("v2.3.0", "v26.2.0")
// whether Hydra knows urls.device.
func supportsDeviceFlow(version string) bool {
	major, _, _ := strings.Cut(strings.TrimPrefix(version, "v"), ".")
	n, err := strconv.Atoi(major)
	return err == nil && n >= deviceFlowSince
}

// hydraYAML is /etc/config/hydra.yaml, in the reference template's order
// and with its values (reference §1.5). Fields are typed, not templated,
// so that no URL or key can break the YAML.
type hydraYAML struct {
	DSN string `yaml:"dsn"`
	Log struct {
		Level  string `yaml:"level"`
		Format string `yaml:"format"`
	} `yaml:"log"`
	Secrets struct {
		Cookie []string `yaml:"cookie"`
		System []string `yaml:"system"`
	} `yaml:"secrets"`
	Serve struct {
		Admin  listener `yaml:"admin"`
		Public listener `yaml:"public"`
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
		Consent string `yaml:"consent"`
		Error   string `yaml:"error"`
		Login   string `yaml:"login"`
		Device  *struct {
			Verification string `yaml:"verification"`
			Success      string `yaml:"success"`
		} `yaml:"device,omitempty"`
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
	Dev bool `yaml:"dev"`
	// SQA opts out of Ory's anonymous usage reports, which the reference
	// charm leaves on: a pod of the platform should not phone home.
	SQA struct {
		OptOut bool `yaml:"opt_out"`
	} `yaml:"sqa"`
}

type listener struct {
	CORS struct {
		Enabled        bool     `yaml:"enabled"`
		AllowedOrigins []string `yaml:"allowed_origins"`
	} `yaml:"cors"`
}

// renderConfig renders hydra.yaml. It fails on an input the charm should
// never pass (no DSN, no key, no issuer), so that Hydra is never started
// with a configuration it would reject or, worse, accept with defaults.
func renderConfig(in configInput) ([]byte, error) {
	switch {
	case in.DSN == "":
		return nil, errors.New("rendering hydra.yaml: no DSN")
	case len(in.SystemKeys) == 0 || len(in.CookieKeys) == 0:
		return nil, errors.New("rendering hydra.yaml: no system or cookie key")
	case in.PublicURL == "":
		return nil, errors.New("rendering hydra.yaml: no public URL")
	}
	var c hydraYAML
	c.DSN = in.DSN
	c.Log.Level, c.Log.Format = in.Settings.logLevel, "json"
	c.Secrets.Cookie = in.CookieKeys
	c.Secrets.System = in.SystemKeys
	for _, l := range []*listener{&c.Serve.Admin, &c.Serve.Public} {
		l.CORS.Enabled, l.CORS.AllowedOrigins = true, []string{"*"}
	}
	c.Strategies.AccessToken = "opaque"
	if in.Settings.jwtAccessTokens {
		c.Strategies.AccessToken = "jwt"
	}
	c.Strategies.JWT.ScopeClaim = "list"
	c.Strategies.Scope = "exact"
	c.URLs.Consent = in.LoginUI.Consent
	c.URLs.Error = in.LoginUI.OIDCError
	c.URLs.Login = in.LoginUI.Login
	if in.DeviceFlow {
		c.URLs.Device = &struct {
			Verification string `yaml:"verification"`
			Success      string `yaml:"success"`
		}{in.LoginUI.DeviceVerification, in.LoginUI.PostDeviceDone}
	}
	issuer := issuerURL(in.PublicURL)
	c.URLs.Self.Issuer, c.URLs.Self.Public = issuer, issuer
	c.Webfinger.OIDCDiscovery.SupportedScope = supportedScopes
	c.Webfinger.JWKS.BroadcastKeys = []string{"hydra.openid.id-token"}
	if in.Settings.jwtAccessTokens {
		c.Webfinger.JWKS.BroadcastKeys = append(c.Webfinger.JWKS.BroadcastKeys, "hydra.jwt.access-token")
	}
	c.Dev = in.Settings.dev
	c.SQA.OptOut = true

	out, err := marshalYAML(&c)
	if err != nil {
		// Only a programming error can get here; the error names no value.
		return nil, fmt.Errorf("rendering hydra.yaml: %w", err)
	}
	return out, nil
}

// marshalYAML is yaml.Marshal with two-space indentation.
func marshalYAML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// issuerURL is the public ingress URL without its trailing slash, as the
// reference charm writes it ("https://public", "http://10.0.0.1/model-hydra").
func issuerURL(public string) string { return strings.TrimRight(public, "/") }

// publicEndpoint is a path under the public URL (yarl's URL / "path").
func publicEndpoint(public, path string) string { return issuerURL(public) + "/" + path }
