// Package externalprovider speaks the external_provider relation interface
// between an IdP integrator (provider side) and Kratos (requirer side), in
// the v1 wire format of Canonical's kratos_external_provider library
// (charms.kratos_external_idp_integrator.v1, LIBPATCH 0):
//
//   - the provider writes app databag key "providers": a JSON list holding
//     one provider, with the keys and key order that pydantic's
//     model_dump_json produces for that library's models;
//   - the requirer answers in its app databag key "providers" with
//     [{"provider_id": …, "redirect_uri": …}].
//
// Client secrets travel in plain relation data: that is the interface as
// Canonical's charms define it, and changing it would break mixing our
// charms with theirs.
//
// Charms use PublishProviders and Registrations (integrator) or Providers
// and PublishRegistrations (Kratos); the Encode and Decode functions are
// the wire format underneath.
//
// Upstream: canonical/kratos-external-idp-integrator
// lib/charms/kratos_external_idp_integrator/v1/kratos_external_provider.py
// (the library both reference charms vendor); the older draft spec
// canonical/charm-relation-interfaces interfaces/kratos_external_idp/v0/
// describes a different, incompatible format (see
// ../shared/reference/kratos-and-idp-integrator.md §3).
package externalprovider

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Interface, DefaultEndpoint and DataKey name the interface, the endpoint
// both reference charms use for it, and the databag key on both sides.
const (
	Interface       = "external_provider"
	DefaultEndpoint = "kratos-external-idp"
	DataKey         = "providers"
)

// types lists the provider types accepted: the reference library's list,
// corrected to what Ory Kratos v1.3.1 accepts — its enum has "yandex" (the
// library's "yander" is a typo) and no "twitch", so either would put Kratos
// into a crash loop on config validation.
var types = [...]string{
	"generic", "google", "facebook", "microsoft", "github", "apple", "gitlab",
	"auth0", "slack", "spotify", "discord", "netid", "yandex", "vk", "dingtalk",
}

// Types returns the accepted provider types (a fresh slice).
func Types() []string { return slices.Clone(types[:]) }

func knownType(t string) bool { return slices.Contains(types[:], t) }

// DefaultScope returns the scope of every provider type but github, as the
// reference library defaults it; github's is "user:email".
func DefaultScope(typ string) []string {
	if typ == "github" {
		return []string{"user:email"}
	}
	return []string{"profile", "email", "address", "phone"}
}

// Provider is one external OIDC provider as the integrator describes it.
type Provider struct {
	Type          string   // wire key "provider"
	ClientID      string   // "client_id"
	ClientSecret  string   // "client_secret" (not for apple)
	Scope         []string // "scope", space-joined on the wire
	ID            string   // "id" (read also from "provider_id")
	Label         string   // "label"
	JsonnetMapper string   // "jsonnet_mapper", null when empty
	MapperURL     string   // "mapper_url", null when empty
	IssuerURL     string   // "issuer_url" (generic, auth0)
	// MicrosoftTenant is "microsoft_tenant" (read also from
	// "microsoft_tenant_id").
	MicrosoftTenant   string
	AppleTeamID       string // "apple_team_id"
	ApplePrivateKeyID string // "apple_private_key_id"
	ApplePrivateKey   string // "apple_private_key"
}

// FieldError is a provider that Kratos would reject, naming the wire key.
type FieldError struct {
	Key    string
	Reason string
}

func (e *FieldError) Error() string { return e.Key + " " + e.Reason }

// idPattern keeps provider IDs usable as the last segment of Kratos'
// callback path /self-service/methods/oidc/callback/<id>.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

// Validate checks p against the rules Kratos v1.3.1 applies to an OIDC
// provider, after Normalize. Errors name the wire key and never quote a
// secret.
func (p *Provider) Validate() error {
	switch {
	case p.Type == "":
		return &FieldError{"provider", "is required"}
	case !knownType(p.Type):
		return &FieldError{"provider", fmt.Sprintf("%q is not supported (use one of %s)", p.Type, strings.Join(types[:], ", "))}
	case p.ClientID == "":
		return &FieldError{"client_id", "is required"}
	case p.ID != "" && !idPattern.MatchString(p.ID):
		return &FieldError{"id", "may contain only letters, digits, '.', '_', '~' and '-'"}
	}
	switch p.Type {
	case "apple":
		// Kratos forbids client_secret for apple; it signs a client secret
		// from the private key instead.
		for _, f := range []struct{ key, val string }{
			{"apple_team_id", p.AppleTeamID},
			{"apple_private_key_id", p.ApplePrivateKeyID},
			{"apple_private_key", p.ApplePrivateKey},
		} {
			if f.val == "" {
				return &FieldError{f.key, "is required for provider apple"}
			}
		}
		if p.ClientSecret != "" {
			return &FieldError{"client_secret", "must be empty for provider apple"}
		}
		return nil
	case "microsoft":
		if p.MicrosoftTenant == "" {
			return &FieldError{"microsoft_tenant", "is required for provider microsoft"}
		}
	case "generic", "auth0":
		if p.IssuerURL == "" {
			return &FieldError{"issuer_url", "is required for provider " + p.Type}
		}
		if err := checkHTTPURL(p.IssuerURL); err != nil {
			return &FieldError{"issuer_url", err.Error()}
		}
	}
	if p.ClientSecret == "" {
		return &FieldError{"client_secret", "is required for provider " + p.Type}
	}
	return nil
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("must be an absolute http(s) URL, got %q", raw)
	}
	return nil
}

// Normalize fills what the reference library derives: the default scope,
// the label (the provider type), the mapper URL from a jsonnet mapper, and
// the ID when none is given.
func (p *Provider) Normalize() {
	if len(p.Scope) == 0 {
		p.Scope = DefaultScope(p.Type)
	}
	if p.Label == "" {
		p.Label = p.Type
	}
	if p.MapperURL == "" && p.JsonnetMapper != "" {
		p.MapperURL = "base64://" + base64.StdEncoding.EncodeToString([]byte(p.JsonnetMapper))
	}
	if p.ID == "" {
		p.ID = DeriveID(p.Type, p.ClientID, p.IssuerURL, p.MicrosoftTenant)
	}
}

// DeriveID is the provider ID the reference library derives when none is
// configured: "<type>_<sha1 hex>" of client_id, joined with "_" and the
// issuer URL (generic, auth0) or tenant (microsoft).
func DeriveID(typ, clientID, issuerURL, tenant string) string {
	seed := clientID
	switch typ {
	case "generic", "auth0":
		seed = clientID + "_" + issuerURL
	case "microsoft":
		seed = clientID + "_" + tenant
	}
	sum := sha1.Sum([]byte(seed))
	return typ + "_" + hex.EncodeToString(sum[:])
}

// ParseScope splits a space-separated scope as the library does
// (str.split(): any run of whitespace).
func ParseScope(s string) []string { return strings.Fields(s) }

// Registration is what Kratos answers for one provider.
type Registration struct {
	ProviderID  string `json:"provider_id"`
	RedirectURI string `json:"redirect_uri"`
}

// RedirectURI is Kratos' callback URL for a provider: a path join onto the
// public base URL, which may itself carry a path.
func RedirectURI(publicBaseURL, providerID string) string {
	return strings.TrimRight(publicBaseURL, "/") + "/self-service/methods/oidc/callback/" + providerID
}
