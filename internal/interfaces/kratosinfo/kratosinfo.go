// Package kratosinfo speaks the kratos_info relation interface, version 0,
// between Kratos (provider) and the charms that talk to Kratos: the login
// UI, and Canonical's oathkeeper and admin UI (requirers).
//
// Wire format, as canonical/kratos-operator:
// lib/charms/kratos/v0/kratos_info.py (LIBPATCH 6) writes it: the
// provider's leader writes into its application databag, on every relation
// of the endpoint, plain strings
//
//   - admin_endpoint, public_endpoint: Kratos' API base URLs;
//   - login_browser_endpoint: the public (external) URL with a trailing
//     "/" ensured, then "self-service/login/browser" (Python os.path.join);
//   - sessions_endpoint: public_endpoint + "/sessions/whoami" (no
//     normalisation: a trailing "/" gives "//");
//   - providers_configmap_name, schemas_configmap_name,
//     configmaps_namespace: where Kratos keeps its ConfigMaps;
//   - mfa_enabled, oidc_webauthn_sequencing_enabled, verification_enabled:
//     Python str(bool), "True" or "False", always written;
//   - feature_flags: the enabled flags joined with "," (no spaces), only
//     when there is at least one.
//
// The requirer writes nothing; unit databags are not used.
//
// The spec, canonical/charm-relation-interfaces:
// interfaces/kratos_info/v0/schema.py, requires the first nine keys (the
// URLs as AnyHttpUrl) and lacks verification_enabled and feature_flags.
// The library's requirer checks nothing but that the databag is not empty,
// and its consumers read keys with dict.get. Decoding here requires only
// admin_endpoint and public_endpoint, which every consumer needs, reads
// the other strings when present, and defaults the booleans to false, as
// providers older than LIBPATCH 6 (no verification_enabled) or 3 (no
// mfa_enabled) leave them out. Booleans are also read in JSON's spelling,
// as the spec's README example writes them.
package kratosinfo

import (
	"slices"
	"strings"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// Interface and DefaultEndpoint name the interface in metadata and the
// endpoint Kratos and the login UI both use for it.
const (
	Interface       = "kratos_info"
	DefaultEndpoint = "kratos-info"
)

// The provider's application databag keys, in the library's order.
const (
	KeyAdminEndpoint                 = "admin_endpoint"
	KeyPublicEndpoint                = "public_endpoint"
	KeyLoginBrowserEndpoint          = "login_browser_endpoint"
	KeySessionsEndpoint              = "sessions_endpoint"
	KeyProvidersConfigMapName        = "providers_configmap_name"
	KeySchemasConfigMapName          = "schemas_configmap_name"
	KeyConfigMapsNamespace           = "configmaps_namespace"
	KeyMFAEnabled                    = "mfa_enabled"
	KeyOIDCWebAuthnSequencingEnabled = "oidc_webauthn_sequencing_enabled"
	KeyVerificationEnabled           = "verification_enabled"
	KeyFeatureFlags                  = "feature_flags"
)

// Feature flags the reference Kratos charm publishes, one per enabled
// self-service method, plus account_linking when an external IdP is
// related.
const (
	FlagPassword       = "password"
	FlagWebAuthn       = "webauthn"
	FlagTOTP           = "totp"
	FlagBackupCodes    = "backup_codes"
	FlagAccountLinking = "account_linking"
)

// Info is what Kratos publishes about itself.
type Info struct {
	AdminEndpoint  string // admin_endpoint (required)
	PublicEndpoint string // public_endpoint (required)
	// LoginBrowserEndpoint and SessionsEndpoint are derived by the
	// provider: see the functions of the same names.
	LoginBrowserEndpoint          string
	SessionsEndpoint              string
	ProvidersConfigMapName        string // providers_configmap_name
	SchemasConfigMapName          string // schemas_configmap_name
	ConfigMapsNamespace           string // configmaps_namespace (the model's name)
	MFAEnabled                    bool   // mfa_enabled
	OIDCWebAuthnSequencingEnabled bool   // oidc_webauthn_sequencing_enabled
	VerificationEnabled           bool   // verification_enabled
	FeatureFlags                  []string
}

// LoginBrowserEndpoint is login_browser_endpoint for Kratos' public
// (external) URL, as the library derives it.
func LoginBrowserEndpoint(externalURL string) string {
	if !strings.HasSuffix(externalURL, "/") {
		externalURL += "/"
	}
	return externalURL + "self-service/login/browser"
}

// SessionsEndpoint is sessions_endpoint for a public endpoint, as the
// library derives it.
func SessionsEndpoint(publicEndpoint string) string {
	return publicEndpoint + "/sessions/whoami"
}

// stringKeys are the plain-string keys, in the library's order, with the
// field each fills.
func (i *Info) stringKeys() [7]struct {
	key string
	val *string
} {
	return [...]struct {
		key string
		val *string
	}{
		{KeyAdminEndpoint, &i.AdminEndpoint},
		{KeyPublicEndpoint, &i.PublicEndpoint},
		{KeyLoginBrowserEndpoint, &i.LoginBrowserEndpoint},
		{KeySessionsEndpoint, &i.SessionsEndpoint},
		{KeyProvidersConfigMapName, &i.ProvidersConfigMapName},
		{KeySchemasConfigMapName, &i.SchemasConfigMapName},
		{KeyConfigMapsNamespace, &i.ConfigMapsNamespace},
	}
}

func (i *Info) boolKeys() [3]struct {
	key string
	val *bool
} {
	return [...]struct {
		key string
		val *bool
	}{
		{KeyMFAEnabled, &i.MFAEnabled},
		{KeyOIDCWebAuthnSequencingEnabled, &i.OIDCWebAuthnSequencingEnabled},
		{KeyVerificationEnabled, &i.VerificationEnabled},
	}
}

// Validate checks what Encode needs: both endpoints, and feature flags
// that survive the comma join.
func (i Info) Validate() error {
	if i.AdminEndpoint == "" {
		return &databag.KeyError{Key: KeyAdminEndpoint, Err: databag.ErrMissing}
	}
	if i.PublicEndpoint == "" {
		return &databag.KeyError{Key: KeyPublicEndpoint, Err: databag.ErrMissing}
	}
	for n, f := range i.FeatureFlags {
		if f == "" || strings.Contains(f, ",") {
			return databag.Errorf(KeyFeatureFlags, "flag %d is empty or contains a comma", n)
		}
	}
	return nil
}

// Encode returns the provider's application databag for i, byte for byte
// what the library writes: the strings (an empty one is left out, as Juju
// would delete it), the three booleans always, and feature_flags only
// when there is a flag.
func Encode(i Info) (map[string]string, error) {
	if err := i.Validate(); err != nil {
		return nil, err
	}
	bag := make(map[string]string, 11)
	for _, f := range i.stringKeys() {
		if *f.val != "" {
			bag[f.key] = *f.val
		}
	}
	for _, f := range i.boolKeys() {
		bag[f.key] = databag.Bool(*f.val)
	}
	if len(i.FeatureFlags) > 0 {
		bag[KeyFeatureFlags] = strings.Join(i.FeatureFlags, ",")
	}
	return bag, nil
}

// Decode reads the provider's application databag (see the package
// comment for what is required). Unknown keys are ignored; empty items of
// feature_flags are dropped. Errors are *databag.KeyError naming the key.
func Decode(bag map[string]string) (Info, error) {
	var i Info
	for n, f := range i.stringKeys() {
		v := bag[f.key]
		if v == "" && n < 2 { // admin_endpoint, public_endpoint
			return Info{}, &databag.KeyError{Key: f.key, Err: databag.ErrMissing}
		}
		*f.val = v
	}
	for _, f := range i.boolKeys() {
		b, err := databag.GetBool(bag, f.key, false)
		if err != nil {
			return Info{}, err
		}
		*f.val = b
	}
	if v := bag[KeyFeatureFlags]; v != "" {
		i.FeatureFlags = slices.DeleteFunc(strings.Split(v, ","), func(s string) bool { return s == "" })
		if len(i.FeatureFlags) == 0 {
			i.FeatureFlags = nil
		}
	}
	return i, nil
}

// HasFeature reports whether flag is among i's feature flags.
func (i Info) HasFeature(flag string) bool { return slices.Contains(i.FeatureFlags, flag) }
