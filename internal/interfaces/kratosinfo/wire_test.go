package kratosinfo

import (
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
	"github.com/identity-platform-go/charms/internal/interfaces/databag/databagtest"
)

const (
	adminSvc  = "http://kratos.test-model.svc.cluster.local:4434"
	publicSvc = "http://kratos.test-model.svc.cluster.local:4433"
	external  = "https://iam.example.com/test-model-kratos"
)

// kratosFull is what the reference Kratos charm publishes in model
// test-model behind a public route.
var kratosFull = Info{
	AdminEndpoint:                 adminSvc,
	PublicEndpoint:                publicSvc,
	LoginBrowserEndpoint:          LoginBrowserEndpoint(external),
	SessionsEndpoint:              SessionsEndpoint(publicSvc),
	ProvidersConfigMapName:        "oidc-providers",
	SchemasConfigMapName:          "identity-schemas",
	ConfigMapsNamespace:           "test-model",
	MFAEnabled:                    true,
	OIDCWebAuthnSequencingEnabled: false,
	VerificationEnabled:           true,
	FeatureFlags:                  []string{FlagPassword, FlagTOTP, FlagAccountLinking},
}

// The golden databags were produced by running the reference library's
// KratosInfoProvider.send_info_relation_data (LIBPATCH 6) against stub
// ops modules with the same arguments.
func TestEncodeGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Info
		want map[string]string
	}{{
		name: "every key, flags comma-joined, booleans as str(bool)",
		in:   kratosFull,
		want: map[string]string{
			"admin_endpoint":                   "http://kratos.test-model.svc.cluster.local:4434",
			"configmaps_namespace":             "test-model",
			"feature_flags":                    "password,totp,account_linking",
			"login_browser_endpoint":           "https://iam.example.com/test-model-kratos/self-service/login/browser",
			"mfa_enabled":                      "True",
			"oidc_webauthn_sequencing_enabled": "False",
			"providers_configmap_name":         "oidc-providers",
			"public_endpoint":                  "http://kratos.test-model.svc.cluster.local:4433",
			"schemas_configmap_name":           "identity-schemas",
			"sessions_endpoint":                "http://kratos.test-model.svc.cluster.local:4433/sessions/whoami",
			"verification_enabled":             "True",
		},
	}, {
		name: "no flags: no feature_flags key; trailing slashes as the library treats them",
		in: Info{AdminEndpoint: "http://a:4434", PublicEndpoint: "http://p:4433/",
			LoginBrowserEndpoint:   LoginBrowserEndpoint("https://iam.example.com/"),
			SessionsEndpoint:       SessionsEndpoint("http://p:4433/"),
			ProvidersConfigMapName: "p", SchemasConfigMapName: "s", ConfigMapsNamespace: "ns",
			FeatureFlags: []string{}},
		want: map[string]string{
			"admin_endpoint":                   "http://a:4434",
			"configmaps_namespace":             "ns",
			"login_browser_endpoint":           "https://iam.example.com/self-service/login/browser",
			"mfa_enabled":                      "False",
			"oidc_webauthn_sequencing_enabled": "False",
			"providers_configmap_name":         "p",
			"public_endpoint":                  "http://p:4433/",
			"schemas_configmap_name":           "s",
			"sessions_endpoint":                "http://p:4433//sessions/whoami",
			"verification_enabled":             "False",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Encode(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("Encode = %v\nwant %v", got, tt.want)
			}
			back, err := Decode(got)
			want := tt.in
			if len(want.FeatureFlags) == 0 {
				want.FeatureFlags = nil
			}
			if err != nil || !reflect.DeepEqual(back, want) {
				t.Errorf("Decode(Encode) = %+v, %v\nwant %+v", back, err, want)
			}
		})
	}
}

func TestDerivedEndpoints(t *testing.T) {
	t.Parallel()
	// Python: os.path.join(url if url.endswith("/") else url + "/", "self-service/login/browser").
	for in, want := range map[string]string{
		"https://iam.example.com":       "https://iam.example.com/self-service/login/browser",
		"https://iam.example.com/":      "https://iam.example.com/self-service/login/browser",
		"https://iam.example.com/m-k//": "https://iam.example.com/m-k//self-service/login/browser",
		"":                              "/self-service/login/browser",
	} {
		if got := LoginBrowserEndpoint(in); got != want {
			t.Errorf("LoginBrowserEndpoint(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SessionsEndpoint("http://p:4433"); got != "http://p:4433/sessions/whoami" {
		t.Errorf("SessionsEndpoint = %q", got)
	}
}

func TestEncodeRejects(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in      Info
		wantKey string
	}{
		{Info{PublicEndpoint: "p"}, KeyAdminEndpoint},
		{Info{AdminEndpoint: "a"}, KeyPublicEndpoint},
		{Info{AdminEndpoint: "a", PublicEndpoint: "p", FeatureFlags: []string{"totp", ""}}, KeyFeatureFlags},
		{Info{AdminEndpoint: "a", PublicEndpoint: "p", FeatureFlags: []string{"a,b"}}, KeyFeatureFlags},
	} {
		_, err := Encode(tt.in)
		var ke *databag.KeyError
		if !errors.As(err, &ke) || ke.Key != tt.wantKey {
			t.Errorf("Encode(%+v) = %v, want an error on %s", tt.in, err, tt.wantKey)
		}
	}
}

// Databags from the spec and the reference charms' tests.
func TestDecodeDocumented(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		bag  map[string]string
		want Info
	}{{
		name: "interfaces/kratos_info/v0/REAME.md example (JSON-spelled booleans, no verification_enabled)",
		bag: map[string]string{
			"admin_endpoint":                   "http://10.64.140.44/testing-kratos",
			"login_browser_endpoint":           "http://10.64.140.45/testing-kratos/self-service/login/browser",
			"public_endpoint":                  "http://10.64.140.45/testing-kratos",
			"sessions_endpoint":                "http://10.64.140.45/testing-kratos/sessions/whoami",
			"providers_configmap_name":         "providers",
			"schemas_configmap_name":           "identity-schemas",
			"configmaps_namespace":             "testing",
			"mfa_enabled":                      "false",
			"oidc_webauthn_sequencing_enabled": "false",
		},
		want: Info{
			AdminEndpoint:          "http://10.64.140.44/testing-kratos",
			PublicEndpoint:         "http://10.64.140.45/testing-kratos",
			LoginBrowserEndpoint:   "http://10.64.140.45/testing-kratos/self-service/login/browser",
			SessionsEndpoint:       "http://10.64.140.45/testing-kratos/sessions/whoami",
			ProvidersConfigMapName: "providers",
			SchemasConfigMapName:   "identity-schemas",
			ConfigMapsNamespace:    "testing",
		},
	}, {
		name: "identity-platform-login-ui-operator tests/unit/conftest.py (partial databag the library accepts)",
		bag: map[string]string{
			"admin_endpoint":                   "http://kratos-admin-url:80/testing-kratos",
			"public_endpoint":                  "http://kratos-public-url:80/testing-kratos",
			"mfa_enabled":                      "True",
			"oidc_webauthn_sequencing_enabled": "False",
			"verification_enabled":             "True",
			"feature_flags":                    "password,totp,webauthn,backup_codes,account_linking",
		},
		want: Info{
			AdminEndpoint:       "http://kratos-admin-url:80/testing-kratos",
			PublicEndpoint:      "http://kratos-public-url:80/testing-kratos",
			MFAEnabled:          true,
			VerificationEnabled: true,
			FeatureFlags:        []string{"password", "totp", "webauthn", "backup_codes", "account_linking"},
		},
	}, {
		name: "LIBPATCH 2 provider (no booleans, login endpoint on the public URL)",
		bag: map[string]string{
			"admin_endpoint":           "http://kratos.m.svc.cluster.local:4434",
			"public_endpoint":          "http://kratos.m.svc.cluster.local:4433",
			"login_browser_endpoint":   "http://kratos.m.svc.cluster.local:4433/self-service/login/browser",
			"sessions_endpoint":        "http://kratos.m.svc.cluster.local:4433/sessions/whoami",
			"providers_configmap_name": "providers",
			"schemas_configmap_name":   "identity-schemas",
			"configmaps_namespace":     "m",
		},
		want: Info{
			AdminEndpoint:          "http://kratos.m.svc.cluster.local:4434",
			PublicEndpoint:         "http://kratos.m.svc.cluster.local:4433",
			LoginBrowserEndpoint:   "http://kratos.m.svc.cluster.local:4433/self-service/login/browser",
			SessionsEndpoint:       "http://kratos.m.svc.cluster.local:4433/sessions/whoami",
			ProvidersConfigMapName: "providers",
			SchemasConfigMapName:   "identity-schemas",
			ConfigMapsNamespace:    "m",
		},
	}, {
		name: "empty items of feature_flags are dropped",
		bag:  map[string]string{"admin_endpoint": "a", "public_endpoint": "p", "feature_flags": ",totp,,"},
		want: Info{AdminEndpoint: "a", PublicEndpoint: "p", FeatureFlags: []string{"totp"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decode(tt.bag)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decode = %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	full, _ := Encode(kratosFull)
	with := func(k, v string) map[string]string {
		bag := maps.Clone(full)
		bag[k] = v
		return bag
	}
	tests := []struct {
		name    string
		bag     map[string]string
		wantKey string
		missing bool
	}{
		{"empty databag (the library: Missing relation data)", nil, KeyAdminEndpoint, true},
		{"no admin_endpoint", with(KeyAdminEndpoint, ""), KeyAdminEndpoint, true},
		{"no public_endpoint", with(KeyPublicEndpoint, ""), KeyPublicEndpoint, true},
		{"a boolean that is not one", with(KeyMFAEnabled, "yes"), KeyMFAEnabled, false},
		{"Python spells False with a capital", with(KeyVerificationEnabled, "FALSE"), KeyVerificationEnabled, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode(tt.bag)
			var ke *databag.KeyError
			if !errors.As(err, &ke) || ke.Key != tt.wantKey || errors.Is(err, databag.ErrMissing) != tt.missing {
				t.Errorf("Decode = %v, want an error on %s (missing %v)", err, tt.wantKey, tt.missing)
			}
		})
	}
}

var vocabulary = []string{
	KeyAdminEndpoint, KeyPublicEndpoint, KeyLoginBrowserEndpoint, KeySessionsEndpoint,
	KeyProvidersConfigMapName, KeySchemasConfigMapName, KeyConfigMapsNamespace,
	KeyMFAEnabled, KeyOIDCWebAuthnSequencingEnabled, KeyVerificationEnabled, KeyFeatureFlags,
}

func FuzzDecode(f *testing.F) {
	full, _ := Encode(kratosFull)
	f.Add(databagtest.Seed(full))
	f.Add(databagtest.Seed(map[string]string{"admin_endpoint": "a", "public_endpoint": "p", "mfa_enabled": "true", "feature_flags": ",,x,"}))
	f.Add(databagtest.Seed(map[string]string{"admin_endpoint": "a", "public_endpoint": "p", "verification_enabled": "maybe"}))
	f.Add(databagtest.Seed(map[string]string{"public_endpoint": "p"}))
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		bag := databagtest.Bag(raw)
		info, err := Decode(bag)
		if err != nil {
			ke := databagtest.CheckKeyError(t, err, vocabulary)
			if errors.Is(err, databag.ErrMissing) != (bag[ke.Key] == "") {
				t.Fatalf("key %s: missing %v but value %q", ke.Key, errors.Is(err, databag.ErrMissing), bag[ke.Key])
			}
			return
		}
		enc, err := Encode(info)
		if err != nil {
			t.Fatalf("decoded info does not encode: %v", err)
		}
		back, err := Decode(enc)
		if err != nil || !reflect.DeepEqual(back, info) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, back, info)
		}
		for k, v := range enc {
			if k != KeyFeatureFlags && bag[k] != "" && bag[k] != v && !strings.EqualFold(bag[k], v) {
				t.Fatalf("round trip changed %s", k)
			}
		}
	})
}

func BenchmarkRoundTrip(b *testing.B) {
	for b.Loop() {
		bag, err := Encode(kratosFull)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Decode(bag); err != nil {
			b.Fatal(err)
		}
	}
}
