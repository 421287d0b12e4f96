package externalprovider

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// The golden values are what the reference library (v1, LIBPATCH 0)
// writes for the same input: pydantic model_dump_json, model field order.
func TestEncodeProvidersGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Provider
		want string
	}{{
		name: "generic, id derived from client_id and issuer_url",
		in: Provider{Type: "generic", ClientID: "client_id", ClientSecret: "client_secret",
			Label: "Some Provider", IssuerURL: "http://example.com", Scope: ParseScope("profile email address phone")},
		want: `[{"provider":"generic","client_id":"client_id","scope":"profile email address phone",` +
			`"id":"generic_c1b858ba120b6a62d17865256fab2617b727ab27","label":"Some Provider",` +
			`"jsonnet_mapper":null,"mapper_url":null,"issuer_url":"http://example.com","client_secret":"client_secret"}]`,
	}, {
		name: "github default scope and label",
		in:   Provider{Type: "github", ClientID: "cid", ClientSecret: "s3"},
		want: `[{"provider":"github","client_id":"cid","scope":"user:email","id":"github_` + sha1Hex("cid") +
			`","label":"github","jsonnet_mapper":null,"mapper_url":null,"client_secret":"s3"}]`,
	}, {
		name: "microsoft carries the tenant after the secret",
		in:   Provider{Type: "microsoft", ClientID: "cid", ClientSecret: "s", MicrosoftTenant: "tenant"},
		want: `[{"provider":"microsoft","client_id":"cid","scope":"profile email address phone","id":"microsoft_` +
			sha1Hex("cid_tenant") + `","label":"microsoft","jsonnet_mapper":null,"mapper_url":null,` +
			`"client_secret":"s","microsoft_tenant":"tenant"}]`,
	}, {
		name: "apple has no client_secret",
		in: Provider{Type: "apple", ClientID: "cid", AppleTeamID: "team", ApplePrivateKeyID: "kid",
			ApplePrivateKey: "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n", ID: "apple"},
		want: `[{"provider":"apple","client_id":"cid","scope":"profile email address phone","id":"apple",` +
			`"label":"apple","jsonnet_mapper":null,"mapper_url":null,"apple_team_id":"team",` +
			`"apple_private_key_id":"kid","apple_private_key":"-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n"}]`,
	}, {
		name: "jsonnet mapper gives a base64 mapper_url; html characters stay raw like pydantic",
		in: Provider{Type: "google", ClientID: "cid", ClientSecret: "s", ID: "google",
			JsonnetMapper: "local c = std.extVar('claims'); {a: c.x < 1 && \"é\"}"},
		want: `[{"provider":"google","client_id":"cid","scope":"profile email address phone","id":"google",` +
			`"label":"google","jsonnet_mapper":"local c = std.extVar('claims'); {a: c.x < 1 && \"é\"}",` +
			`"mapper_url":"base64://bG9jYWwgYyA9IHN0ZC5leHRWYXIoJ2NsYWltcycpOyB7YTogYy54IDwgMSAmJiAiw6kifQ==",` +
			`"client_secret":"s"}]`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := EncodeProviders([]Provider{tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("EncodeProviders:\n got %s\nwant %s", got, tt.want)
			}
			back, err := DecodeProviders(got)
			if err != nil {
				t.Fatalf("DecodeProviders(own output): %v", err)
			}
			again, _ := EncodeProviders(back)
			if again != got {
				t.Errorf("round trip changed the value:\n got %s\nwant %s", again, got)
			}
		})
	}
}

func sha1Hex(s string) string {
	id := DeriveID("github", s, "", "")
	return strings.TrimPrefix(id, "github_")
}

func TestDecodeProvidersVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want Provider
	}{{
		name: "provider_id alias and microsoft_tenant_id alias",
		raw:  `[{"provider":"microsoft","client_id":"c","client_secret":"s","provider_id":"ms","microsoft_tenant_id":"t"}]`,
		want: Provider{Type: "microsoft", ClientID: "c", ClientSecret: "s", ID: "ms", MicrosoftTenant: "t",
			Label: "microsoft", Scope: DefaultScope("microsoft")},
	}, {
		name: "id wins over provider_id; unknown keys such as secret_backend are ignored",
		raw: `[{"provider":"gitlab","client_id":"c","client_secret":"s","id":"a","provider_id":"b",` +
			`"secret_backend":"relation","scope":"openid  email"}]`,
		want: Provider{Type: "gitlab", ClientID: "c", ClientSecret: "s", ID: "a", Label: "gitlab",
			Scope: []string{"openid", "email"}},
	}, {
		name: "null scope takes the default; a stray apple client_secret is dropped",
		raw: `[{"provider":"apple","client_id":"c","client_secret":"x","scope":null,"apple_team_id":"t",` +
			`"apple_private_key_id":"k","apple_private_key":"p"}]`,
		want: Provider{Type: "apple", ClientID: "c", ID: DeriveID("apple", "c", "", ""), Label: "apple",
			Scope: DefaultScope("apple"), AppleTeamID: "t", ApplePrivateKeyID: "k", ApplePrivateKey: "p"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeProviders(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeProvidersRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, wantKey, wantErr string
	}{
		{`{}`, "", `key "providers": not a JSON list`},
		{`[null]`, "", `key "providers": item 0: is null`},
		{`[{"provider":"twitch","client_id":"c","client_secret":"s"}]`, "provider", `"twitch" is not supported`},
		{`[{"provider":"yander","client_id":"c","client_secret":"s"}]`, "provider", `"yander" is not supported`},
		{`[{"client_id":"c"}]`, "provider", "provider is required"},
		{`[{"provider":"google","client_id":3}]`, "client_id", "client_id must be a string"},
		{`[{"provider":"google","client_id":"c"}]`, "client_secret", "client_secret is required for provider google"},
		{`[{"provider":"generic","client_id":"c","client_secret":"s"}]`, "issuer_url", "issuer_url is required"},
		{`[{"provider":"auth0","client_id":"c","client_secret":"s","issuer_url":"ftp://x"}]`, "issuer_url", "absolute http(s) URL"},
		{`[{"provider":"microsoft","client_id":"c","client_secret":"s"}]`, "microsoft_tenant", "microsoft_tenant is required"},
		{`[{"provider":"apple","client_id":"c","apple_team_id":"t"}]`, "apple_private_key_id", "is required for provider apple"},
		{`[{"provider":"google","client_id":"c","client_secret":"s","scope":["a"]}]`, "scope", "scope must be a string"},
		{`[{"provider":"google","client_id":"c","client_secret":"s","id":"a/b"}]`, "id", "id may contain only"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			_, err := DecodeProviders(tt.raw)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			var fe *FieldError
			if tt.wantKey != "" && (!errors.As(err, &fe) || fe.Key != tt.wantKey) {
				t.Errorf("error %v does not name key %q", err, tt.wantKey)
			}
		})
	}
}

func TestErrorsNeverQuoteSecrets(t *testing.T) {
	t.Parallel()
	const secret = "very-secret-value"
	bad := []Provider{
		{Type: "generic", ClientID: "c", ClientSecret: secret, IssuerURL: "not a url"},
		{Type: "apple", ClientID: "c", ClientSecret: secret, AppleTeamID: "t", ApplePrivateKeyID: "k", ApplePrivateKey: secret},
		{Type: "microsoft", ClientID: "c", ClientSecret: secret},
	}
	for _, p := range bad {
		_, err := EncodeProviders([]Provider{p})
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("EncodeProviders(%s) error %v: want an error without the secret", p.Type, err)
		}
	}
}

func TestRegistrations(t *testing.T) {
	t.Parallel()
	regs := []Registration{{ProviderID: "generic_1", RedirectURI: "https://id.example/self-service/methods/oidc/callback/generic_1"}}
	raw := EncodeRegistrations(regs)
	want := `[{"provider_id":"generic_1","redirect_uri":"https://id.example/self-service/methods/oidc/callback/generic_1"}]`
	if raw != want {
		t.Errorf("EncodeRegistrations = %s, want %s", raw, want)
	}
	// The Python requirer writes json.dumps-style spacing in some
	// versions; decoding must not care.
	got, err := DecodeRegistrations(`[{"redirect_uri": "https://x/cb", "provider_id": "p"}]`)
	if err != nil || len(got) != 1 || got[0].RedirectURI != "https://x/cb" || got[0].ProviderID != "p" {
		t.Errorf("DecodeRegistrations = %+v, %v", got, err)
	}
	for _, bad := range []string{`[{"provider_id":"p"}]`, `[{"provider_id":"p","redirect_uri":null}]`, `x`} {
		if _, err := DecodeRegistrations(bad); err == nil {
			t.Errorf("DecodeRegistrations(%s) accepted", bad)
		}
	}
	if got := RedirectURI("https://host/prefix/", "gh"); got != "https://host/prefix/self-service/methods/oidc/callback/gh" {
		t.Errorf("RedirectURI = %s", got)
	}
}

func FuzzDecodeProviders(f *testing.F) {
	f.Add(`[{"provider":"generic","client_id":"c","client_secret":"s","issuer_url":"https://x"}]`)
	f.Add(`[{"provider":"apple","client_id":"c","apple_team_id":"t","apple_private_key_id":"k","apple_private_key":"p"}]`)
	f.Add(`[null, {}, 1, "x"]`)
	f.Fuzz(func(t *testing.T, raw string) {
		ps, err := DecodeProviders(raw)
		if err != nil {
			return
		}
		// Whatever decodes must encode, and re-decode to the same thing.
		enc, err := EncodeProviders(ps)
		if err != nil {
			t.Fatalf("decoded providers do not encode: %v", err)
		}
		back, err := DecodeProviders(enc)
		if err != nil || !reflect.DeepEqual(back, ps) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, back, ps)
		}
	})
}

func FuzzDecodeRegistrations(f *testing.F) {
	f.Add(`[{"provider_id":"p","redirect_uri":"https://x"}]`)
	f.Add(`[{}]`)
	f.Fuzz(func(t *testing.T, raw string) {
		regs, err := DecodeRegistrations(raw)
		if err != nil {
			return
		}
		back, err := DecodeRegistrations(EncodeRegistrations(regs))
		if err != nil || len(back) != len(regs) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
