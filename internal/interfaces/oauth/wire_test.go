package oauth

import (
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// libClientConfig is CLIENT_CONFIG of the library's requirer unit tests
// (canonical/hydra-operator: tests/unit/test_oauth_requirer.py).
var libClientConfig = ClientConfig{
	RedirectURI: "https://example.oidc.client/callback",
	Scope:       "openid email offline_access",
	GrantTypes:  []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials, GrantDeviceCode},
	Audience:    []string{},
}

// libProviderInfo is what the library's provider unit test publishes
// (tests/unit/test_oauth_provider.py).
var libProviderInfo = ProviderInfo{
	IssuerURL:             "https://example.oidc.com",
	AuthorizationEndpoint: "https://example.oidc.com/oauth2/auth",
	TokenEndpoint:         "https://example.oidc.com/oauth2/token",
	IntrospectionEndpoint: "https://example.oidc.com/admin/oauth2/introspect",
	UserinfoEndpoint:      "https://example.oidc.com/userinfo",
	JWKSEndpoint:          "https://example.oidc.com/.well-known/jwks.json",
	Scope:                 "openid profile email phone",
}

// libProviderBag is that test's expected databag.
func libProviderBag() map[string]string {
	return map[string]string{
		"authorization_endpoint": "https://example.oidc.com/oauth2/auth",
		"introspection_endpoint": "https://example.oidc.com/admin/oauth2/introspect",
		"issuer_url":             "https://example.oidc.com",
		"jwks_endpoint":          "https://example.oidc.com/.well-known/jwks.json",
		"scope":                  "openid profile email phone",
		"token_endpoint":         "https://example.oidc.com/oauth2/token",
		"userinfo_endpoint":      "https://example.oidc.com/userinfo",
		"jwt_access_token":       "False",
	}
}

func with(bag map[string]string, kv ...string) map[string]string {
	out := maps.Clone(bag)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "\x00delete" {
			delete(out, kv[i])
			continue
		}
		out[kv[i]] = kv[i+1]
	}
	return out
}

// Golden bytes below were produced by the library's own ClientConfig and
// _dump_data (LIBPATCH 12) under Python 3.11.
func TestEncodeClientConfigGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  ClientConfig
		want map[string]string
	}{
		{"library unit test CLIENT_CONFIG", libClientConfig, map[string]string{
			"redirect_uri":               "https://example.oidc.client/callback",
			"scope":                      "openid email offline_access",
			"grant_types":                `["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"]`,
			"audience":                   "[]",
			"token_endpoint_auth_method": "client_secret_basic",
		}},
		{"no redirect, post, client_id, non-ASCII audience",
			ClientConfig{Scope: "openid", GrantTypes: []string{GrantClientCredentials}, Audience: []string{"aud1", "ünï"},
				TokenEndpointAuthMethod: AuthClientSecretPost, ClientID: "cid"},
			map[string]string{
				"scope":                      "openid",
				"grant_types":                `["client_credentials"]`,
				"audience":                   `["aud1", "\u00fcn\u00ef"]`,
				"token_endpoint_auth_method": "client_secret_post",
				"client_id":                  "cid",
			}},
		{"nil lists are empty lists",
			ClientConfig{Scope: "openid email", RedirectURI: "http://grafana.local/login/generic_oauth"},
			map[string]string{
				"redirect_uri":               "http://grafana.local/login/generic_oauth",
				"scope":                      "openid email",
				"grant_types":                "[]",
				"audience":                   "[]",
				"token_endpoint_auth_method": "client_secret_basic",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := EncodeClientConfig(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			back, err := DecodeClientConfig(got)
			if err != nil {
				t.Fatalf("decoding our own bag: %v", err)
			}
			want := tt.cfg
			want.GrantTypes, want.Audience = nonNil(want.GrantTypes), nonNil(want.Audience)
			want.TokenEndpointAuthMethod = want.AuthMethod()
			if !reflect.DeepEqual(back, want) {
				t.Errorf("round trip = %+v, want %+v", back, want)
			}
		})
	}
}

func keyOf(t *testing.T, err error) string {
	t.Helper()
	var ke *databag.KeyError
	if !errors.As(err, &ke) {
		t.Fatalf("error %v is not a *databag.KeyError", err)
	}
	return ke.Key
}

func TestClientConfigValidate(t *testing.T) {
	t.Parallel()
	mod := func(f func(*ClientConfig)) ClientConfig {
		c := libClientConfig
		c.GrantTypes = append([]string(nil), c.GrantTypes...)
		f(&c)
		return c
	}
	tests := []struct {
		name    string
		cfg     ClientConfig
		wantKey string // "" when valid
		missing bool
	}{
		{"library config", libClientConfig, "", false},
		// The library's unit tests, one by one.
		{"malformed redirect URL", mod(func(c *ClientConfig) { c.RedirectURI = "malformed-url" }), KeyRedirectURI, false},
		{"http redirect is allowed", mod(func(c *ClientConfig) { c.RedirectURI = "http://some.callback" }), "", false},
		{"no redirect without authorization_code", mod(func(c *ClientConfig) {
			c.GrantTypes, c.RedirectURI = []string{GrantClientCredentials}, ""
		}), "", false},
		{"no redirect with authorization_code", mod(func(c *ClientConfig) {
			c.GrantTypes, c.RedirectURI = []string{GrantAuthorizationCode}, ""
		}), KeyRedirectURI, true},
		{"unknown grant type", mod(func(c *ClientConfig) {
			c.GrantTypes = []string{GrantAuthorizationCode, "token_exchange"}
		}), KeyGrantTypes, false},
		{"unknown auth method", mod(func(c *ClientConfig) { c.TokenEndpointAuthMethod = "private_key_jwt" }), KeyTokenEndpointAuthMethod, false},
		// The library checks the redirect before the grant types.
		{"bad URL and bad grant", mod(func(c *ClientConfig) {
			c.RedirectURI, c.GrantTypes = "nope", []string{"nope"}
		}), KeyRedirectURI, false},
		// The interface README's example redirect URI has an underscore
		// in its host name, which url_regex refuses: a Python requirer
		// could not send the example.
		{"README example redirect", mod(func(c *ClientConfig) { c.RedirectURI = "https://some_url/callback" }), KeyRedirectURI, false},
		{"empty grant types", mod(func(c *ClientConfig) { c.GrantTypes = nil }), "", false},
		// Added: Juju would drop an empty scope, and providers require it.
		{"empty scope", mod(func(c *ClientConfig) { c.Scope = "" }), KeyScope, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if tt.wantKey == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error for %s", tt.wantKey)
			}
			if k := keyOf(t, err); k != tt.wantKey {
				t.Errorf("error key %q, want %q (%v)", k, tt.wantKey, err)
			}
			if errors.Is(err, databag.ErrMissing) != tt.missing {
				t.Errorf("errors.Is(ErrMissing) = %v, want %v", !tt.missing, tt.missing)
			}
		})
	}
}

func TestInsecureRedirect(t *testing.T) {
	t.Parallel()
	for uri, want := range map[string]bool{
		"http://some.callback": true, "https://some.callback": false, "HTTP://SOME.CALLBACK": false, "": false,
	} {
		if got := (ClientConfig{RedirectURI: uri}).InsecureRedirect(); got != want {
			t.Errorf("InsecureRedirect(%q) = %v, want %v", uri, got, want)
		}
	}
}

// TestValidRedirectURI pins the library's url_regex: every expectation
// here is what re.match(url_regex, uri) answered under Python 3.11.
func TestValidRedirectURI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		uri  string
		want bool
	}{
		{"https://example.oidc.client/callback", true},
		{"malformed-url", false},
		{"http://some.callback", true},
		// The first alternative is (^http://) alone: anything after it goes.
		{"http://", true},
		{"http://x y z", true},
		{"HTTP://EXAMPLE", true},
		// https needs a dotted name or an IPv4 address.
		{"https://localhost/cb", false},
		{"https://localhost:8080/cb", false},
		{"https://example.com", true},
		{"https://example.com/", true},
		{"https://example.com:8443/cb?x=1", true},
		{"https://10.0.0.1/cb", true},
		{"https://10.0.0.1:443", true},
		{"https://999.999.999.999", true},
		// $ matches before one final newline.
		{"https://example.com/cb\n", true},
		{"https://example.com/cb\n\n", false},
		// \S is Python's: no-break space, \v and NEL are whitespace.
		{"https://example.com/c b", false},
		{"https://example.com/cb\u00a0", false},
		{"https://example.com/cb\v", false},
		{"https://example.com/cb\u0085", false},
		{"https://example.com/\u2028", false},
		{"HTTPS://EXAMPLE.COM/CB", true},
		// IGNORECASE folds ſ, İ, ı and K onto ASCII letters.
		{"http\u017f://example.com", true},
		{"https://\u0130\u0131.com", true},
		{"https://ex\u212aample.com", true},
		{"https://exam\u00e9ple.com", false},
		{"https://example.c", false},
		{"https://example.toolongtld", true},
		{"https://example.toolongtld.", true},
		{"https://ex_ample.com", false},
		{"https://-example.com", false},
		{"https://example-.com", false},
		{"https://a.b.c.d.e.f.g.h/x", false},
		// \d is any Unicode decimal digit.
		{"https://\u0661.\u0662.\u0663.\u0664/x", true},
		{"https://1.2.3.4:\u0668\u0668", true},
		{"https://example.com?x", true},
		{"https://example.com#frag", false},
		{"https://example.com/#frag", true},
		{"https://example.com:/x", false},
		{"https://a.co", true},
		{"https://a.b", false},
		{"https://xn--bcher-kva.example", true},
		{"https://example.com.", true},
		{"https://example.com..", false},
		{"https://12.com", true},
		{"https://sub.12-34", true},
		{"https:/example.com", false},
		{"ftp://example.com", false},
		{"", false},
		{"https://" + strings.Repeat("a", 63) + ".com", true},
		{"https://" + strings.Repeat("a", 64) + ".com", false},
	}
	for _, tt := range tests {
		if got := ValidRedirectURI(tt.uri); got != tt.want {
			t.Errorf("ValidRedirectURI(%q) = %v, want %v", tt.uri, got, tt.want)
		}
	}
}

func TestEncodeRefusesJSONLookingValues(t *testing.T) {
	t.Parallel()
	for _, scope := range []string{"123", "true", "null", "NaN", "-Infinity", `"openid"`, "[\"openid\"]", " 1 "} {
		c := libClientConfig
		c.Scope = scope
		if _, err := EncodeClientConfig(c); err == nil || keyOf(t, err) != KeyScope {
			t.Errorf("scope %q: err = %v, want a scope error", scope, err)
		}
		p := libProviderInfo
		p.Scope = scope
		if _, err := EncodeProviderInfo(p); err == nil || keyOf(t, err) != KeyScope {
			t.Errorf("provider scope %q: err = %v, want a scope error", scope, err)
		}
	}
	for _, ok := range []string{"openid", "NaNa", "1NaN", "true openid", "Infinity and beyond"} {
		c := libClientConfig
		c.Scope = ok
		if _, err := EncodeClientConfig(c); err != nil {
			t.Errorf("scope %q: %v", ok, err)
		}
	}
	if _, err := EncodeClient("42174217421742", "secret:x"); err == nil || keyOf(t, err) != KeyClientID {
		t.Errorf("numeric client_id: err = %v", err)
	}
}

// requirerBag is the requirer databag of the library's provider unit
// tests.
func requirerBag() map[string]string {
	return map[string]string{
		"redirect_uri":               "https://oidc-client.com/callback",
		"scope":                      "openid email",
		"grant_types":                `["authorization_code"]`,
		"audience":                   "[]",
		"token_endpoint_auth_method": "client_secret_basic",
	}
}

func TestDecodeClientConfig(t *testing.T) {
	t.Parallel()
	base := ClientConfig{
		RedirectURI: "https://oidc-client.com/callback", Scope: "openid email",
		GrantTypes: []string{GrantAuthorizationCode}, Audience: []string{}, TokenEndpointAuthMethod: AuthClientSecretBasic,
	}
	mod := func(f func(*ClientConfig)) ClientConfig { c := base; f(&c); return c }
	tests := []struct {
		name    string
		bag     map[string]string
		want    ClientConfig
		wantKey string
	}{
		{"library provider test data", requirerBag(), base, ""},
		{"client_credentials without redirect_uri (library test)", with(requirerBag(), "redirect_uri", "\x00delete", "grant_types", `["client_credentials"]`),
			mod(func(c *ClientConfig) { c.RedirectURI, c.GrantTypes = "", []string{GrantClientCredentials} }), ""},
		{"compact JSON and a client_id", with(requirerBag(), "grant_types", `["authorization_code","refresh_token"]`, "audience", `["a","b"]`, "client_id", "abc"),
			mod(func(c *ClientConfig) {
				c.GrantTypes, c.Audience, c.ClientID = []string{GrantAuthorizationCode, GrantRefreshToken}, []string{"a", "b"}, "abc"
			}), ""},
		// The interface README's example, which the provider accepts (it
		// does not run the URL check) though no Python requirer could
		// write it.
		{"interface README example", with(requirerBag(), "redirect_uri", "https://some_url/callback"),
			mod(func(c *ClientConfig) { c.RedirectURI = "https://some_url/callback" }), ""},
		{"unknown keys are ignored", with(requirerBag(), "extra", "{"), base, ""},
		// The provider does not run the requirer's URL check.
		{"redirect_uri not a URL", with(requirerBag(), "redirect_uri", "not a url"), mod(func(c *ClientConfig) { c.RedirectURI = "not a url" }), ""},
		// json.loads runs on every value: a JSON string is unquoted.
		{"JSON-quoted scope", with(requirerBag(), "scope", `"openid"`), mod(func(c *ClientConfig) { c.Scope = "openid" }), ""},
		// charm-relation-interfaces' requirer.json example writes the
		// method as a list, which the library rejects.
		{"schema example: method as a list", with(requirerBag(), "token_endpoint_auth_method", `["client_secret_basic"]`), ClientConfig{}, KeyTokenEndpointAuthMethod},
		{"redirect required with authorization_code", with(requirerBag(), "redirect_uri", "\x00delete"), ClientConfig{}, KeyRedirectURI},
		{"redirect as JSON null", with(requirerBag(), "redirect_uri", "null"), ClientConfig{}, KeyRedirectURI},
		{"scope missing", with(requirerBag(), "scope", "\x00delete"), ClientConfig{}, KeyScope},
		{"scope a number", with(requirerBag(), "scope", "123"), ClientConfig{}, KeyScope},
		{"scope NaN", with(requirerBag(), "scope", "NaN"), ClientConfig{}, KeyScope},
		{"scope [NaN]", with(requirerBag(), "scope", "[NaN]"), ClientConfig{}, KeyScope},
		{"scope huge number", with(requirerBag(), "scope", "1e400"), ClientConfig{}, KeyScope},
		{"grant_types a plain string", with(requirerBag(), "grant_types", "authorization_code"), ClientConfig{}, KeyGrantTypes},
		{"grant_types unknown", with(requirerBag(), "grant_types", `["implicit"]`), ClientConfig{}, KeyGrantTypes},
		{"grant_types with a number", with(requirerBag(), "grant_types", `["authorization_code", 1]`), ClientConfig{}, KeyGrantTypes},
		{"audience missing", with(requirerBag(), "audience", "\x00delete"), ClientConfig{}, KeyAudience},
		{"audience an object", with(requirerBag(), "audience", "{}"), ClientConfig{}, KeyAudience},
		{"method missing", with(requirerBag(), "token_endpoint_auth_method", "\x00delete"), ClientConfig{}, KeyTokenEndpointAuthMethod},
		{"method unknown", with(requirerBag(), "token_endpoint_auth_method", "none"), ClientConfig{}, KeyTokenEndpointAuthMethod},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeClientConfig(tt.bag)
			if tt.wantKey != "" {
				if err == nil {
					t.Fatalf("decoded %+v, want an error for %s", got, tt.wantKey)
				}
				if k := keyOf(t, err); k != tt.wantKey {
					t.Errorf("error key %q, want %q (%v)", k, tt.wantKey, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestEncodeProviderInfoGolden(t *testing.T) {
	t.Parallel()
	full := libProviderInfo
	full.JWTAccessToken = true
	full.Groups = "groups"
	full.CAChain = []string{"-----BEGIN CERTIFICATE-----\nAB\n-----END CERTIFICATE-----\n", "b"}
	tests := []struct {
		name string
		info ProviderInfo
		want map[string]string
	}{
		{"library provider unit test", libProviderInfo, libProviderBag()},
		{"jwt, groups and CA chain", full, with(libProviderBag(),
			"jwt_access_token", "True",
			"groups", "groups",
			"ca_chain", `["-----BEGIN CERTIFICATE-----\nAB\n-----END CERTIFICATE-----\n", "b"]`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := EncodeProviderInfo(tt.info)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			back, err := DecodeProviderData(got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back.ProviderInfo, tt.info) || back.Registered() {
				t.Errorf("round trip = %+v, want %+v", back, tt.info)
			}
		})
	}
	for _, key := range []string{KeyIssuerURL, KeyAuthorizationEndpoint, KeyTokenEndpoint, KeyIntrospectionEndpoint, KeyUserinfoEndpoint, KeyJWKSEndpoint, KeyScope} {
		info := libProviderInfo
		for _, f := range info.required() {
			if f.key == key {
				*f.val = ""
			}
		}
		if _, err := EncodeProviderInfo(info); err == nil || keyOf(t, err) != key || !errors.Is(err, databag.ErrMissing) {
			t.Errorf("empty %s: err = %v", key, err)
		}
	}
	got, err := EncodeClient("c0ffee-client", "secret://7f3c1a52-2b7e-4c55-9d0e-6a1f2b3c4d5e/d0s1vqp6n7m1rlq3o2rg")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"client_id": "c0ffee-client", "client_secret_id": "secret://7f3c1a52-2b7e-4c55-9d0e-6a1f2b3c4d5e/d0s1vqp6n7m1rlq3o2rg"}
	if !maps.Equal(got, want) {
		t.Errorf("EncodeClient = %q", got)
	}
}

func TestDecodeProviderData(t *testing.T) {
	t.Parallel()
	registered := func() map[string]string {
		return with(libProviderBag(), "client_id", "client_id", "client_secret_id", "secret:123")
	}
	tests := []struct {
		name    string
		bag     map[string]string
		check   func(t *testing.T, d ProviderData)
		wantKey string
	}{
		{"library requirer test provider_info", libProviderBag(), func(t *testing.T, d ProviderData) {
			if !reflect.DeepEqual(d.ProviderInfo, libProviderInfo) || d.Registered() {
				t.Errorf("got %+v", d)
			}
		}, ""},
		{"with client (library requirer test)", registered(), func(t *testing.T, d ProviderData) {
			if d.ClientID != "client_id" || d.ClientSecretID != "secret:123" || !d.Registered() {
				t.Errorf("got %+v", d)
			}
		}, ""},
		{"client_id without client_secret_id is not registered", with(libProviderBag(), "client_id", "x"), func(t *testing.T, d ProviderData) {
			if d.Registered() {
				t.Error("registered without a secret")
			}
		}, ""},
		{"jwt_access_token absent is false", with(libProviderBag(), "jwt_access_token", "\x00delete"), func(t *testing.T, d ProviderData) {
			if d.JWTAccessToken {
				t.Error("true")
			}
		}, ""},
		// strtobool's words pass as long as json.loads leaves them strings.
		{"jwt True", with(libProviderBag(), "jwt_access_token", "True"), func(t *testing.T, d ProviderData) {
			if !d.JWTAccessToken {
				t.Error("false")
			}
		}, ""},
		{"jwt yes", with(libProviderBag(), "jwt_access_token", "yes"), func(t *testing.T, d ProviderData) {
			if !d.JWTAccessToken {
				t.Error("false")
			}
		}, ""},
		{"jwt OFF", with(libProviderBag(), "jwt_access_token", "OFF"), func(t *testing.T, d ProviderData) {
			if d.JWTAccessToken {
				t.Error("true")
			}
		}, ""},
		{"jwt JSON-quoted", with(libProviderBag(), "jwt_access_token", `"true"`), func(t *testing.T, d ProviderData) {
			if !d.JWTAccessToken {
				t.Error("false")
			}
		}, ""},
		{"groups and ca_chain", with(libProviderBag(), "groups", "groups", "ca_chain", `["a", "b"]`), func(t *testing.T, d ProviderData) {
			if d.Groups != "groups" || !reflect.DeepEqual(d.CAChain, []string{"a", "b"}) {
				t.Errorf("got %+v", d)
			}
		}, ""},
		{"jwt JSON true", with(libProviderBag(), "jwt_access_token", "true"), nil, KeyJWTAccessToken},
		{"jwt 1", with(libProviderBag(), "jwt_access_token", "1"), nil, KeyJWTAccessToken},
		{"jwt maybe", with(libProviderBag(), "jwt_access_token", "maybe"), nil, KeyJWTAccessToken},
		// The interface README's own example: its client_secret_id
		// "42174217421742" is a JSON number to json.loads, so the library
		// rejects the example.
		{"interface README example", map[string]string{
			"issuer_url":             "https://auth_server_public_url/",
			"authorization_endpoint": "https://auth_server_public_url/authorize",
			"token_endpoint":         "https://auth_server_public_url/token",
			"introspection_endpoint": "https://auth_server_public_url/introspect",
			"userinfo_endpoint":      "https://auth_server_public_url/userinfo",
			"jwks_endpoint":          "https://auth_server_public_url/jwks",
			"scope":                  "openid profile email phone",
			"client_id":              "some_id",
			"client_secret_id":       "42174217421742",
		}, nil, KeyClientSecretID},
		{"ca_chain a plain PEM", with(libProviderBag(), "ca_chain", "-----BEGIN CERTIFICATE-----"), nil, KeyCAChain},
		{"groups null", with(libProviderBag(), "groups", "null"), nil, KeyGroups},
		{"issuer missing", with(libProviderBag(), "issuer_url", "\x00delete"), nil, KeyIssuerURL},
		{"scope missing", with(libProviderBag(), "scope", "\x00delete"), nil, KeyScope},
		{"jwks a list", with(libProviderBag(), "jwks_endpoint", `["x"]`), nil, KeyJWKSEndpoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeProviderData(tt.bag)
			if tt.wantKey != "" {
				if err == nil {
					t.Fatalf("decoded %+v, want an error for %s", got, tt.wantKey)
				}
				if k := keyOf(t, err); k != tt.wantKey {
					t.Errorf("error key %q, want %q (%v)", k, tt.wantKey, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}

func TestPyLoads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		isJSON bool
	}{
		{"openid", false}, {"123", true}, {" 1 ", true}, {"true", true}, {"True", false},
		{"null", true}, {"NaN", true}, {"-Infinity", true}, {"Infinity", true}, {"[NaN, 1]", true},
		{`{"a": -Infinity}`, true}, {`"NaN"`, true}, {`["NaN"`, false}, {"1NaN", false}, {"NaN1", false},
		{"-NaN", false}, {"--Infinity", false}, {"NaNNaN", false}, {"1e400", true}, {"01", false},
		{"\ufeff1", false}, {`"a\u0000b"`, true}, {"\"a\nb\"", false}, {"1 2", false},
	}
	for _, tt := range tests {
		if _, got := pyLoads(tt.in); got != tt.isJSON {
			t.Errorf("pyLoads(%q) is JSON = %v, want %v", tt.in, got, tt.isJSON)
		}
	}
}
