package loginuiendpoints

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

const base = "https://login.example.com"

// goldenFull is what the reference login UI charm writes with a public
// route at https://login.example.com (hydra-and-login-ui.md §3.4).
var goldenFull = map[string]string{
	"consent_url":                  "https://login.example.com/ui/consent",
	"error_url":                    "https://login.example.com/ui/error",
	"login_url":                    "https://login.example.com/ui/login",
	"oidc_error_url":               "https://login.example.com/ui/oidc_error",
	"device_verification_url":      "https://login.example.com/ui/device_code",
	"post_device_done_url":         "https://login.example.com/ui/device_complete",
	"recovery_url":                 "https://login.example.com/ui/reset_email",
	"registration_url":             "https://login.example.com/ui/register",
	"settings_url":                 "https://login.example.com/ui/manage_details",
	"webauthn_settings_url":        "https://login.example.com/ui/setup_passkey",
	"account_linking_settings_url": "https://login.example.com/ui/manage_connected_accounts",
	"verification_url":             "https://login.example.com/ui/verification",
}

func TestEncodeGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   URLs
		want map[string]string
	}{{
		name: "every page under the public route",
		in:   ForBaseURL(base),
		want: goldenFull,
	}, {
		name: "no public route yet: relative paths, as the reference charm writes them",
		in:   ForBaseURL(""),
		want: map[string]string{
			"consent_url": "/ui/consent", "error_url": "/ui/error", "login_url": "/ui/login",
			"oidc_error_url": "/ui/oidc_error", "device_verification_url": "/ui/device_code",
			"post_device_done_url": "/ui/device_complete", "recovery_url": "/ui/reset_email",
			"registration_url": "/ui/register", "settings_url": "/ui/manage_details",
			"webauthn_settings_url":        "/ui/setup_passkey",
			"account_linking_settings_url": "/ui/manage_connected_accounts",
			"verification_url":             "/ui/verification",
		},
	}, {
		name: "unset URLs are left out (model_dump(exclude_none=True))",
		in:   URLs{Login: base + "/ui/login", Consent: base + "/ui/consent"},
		want: map[string]string{"login_url": base + "/ui/login", "consent_url": base + "/ui/consent"},
	}, {
		name: "nothing set: empty databag",
		in:   URLs{},
		want: map[string]string{},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Encode(tt.in)
			if !maps.Equal(got, tt.want) {
				t.Errorf("Encode = %v\nwant %v", got, tt.want)
			}
			if back := Decode(got); back != tt.in {
				t.Errorf("Decode(Encode) = %+v, want %+v", back, tt.in)
			}
		})
	}
}

func TestKeysAndValue(t *testing.T) {
	t.Parallel()
	ks := Keys()
	if len(ks) != 12 || ks[0] != KeyConsent || ks[11] != KeyVerification {
		t.Errorf("Keys() = %v", ks)
	}
	ks[0] = "mutated"
	if Keys()[0] != KeyConsent {
		t.Error("Keys() shares its backing array")
	}
	u := ForBaseURL(base)
	for _, k := range Keys() {
		if v, ok := u.Value(k); !ok || v != goldenFull[k] {
			t.Errorf("Value(%s) = %q, %v", k, v, ok)
		}
	}
	if _, ok := u.Value(KeyIndexLegacy); ok {
		t.Error("Value(index_url) is known")
	}
}

// Databags from the spec and the reference charms' tests.
func TestDecodeDocumented(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		bag  map[string]string
		want URLs
	}{{
		name: "interfaces/login_ui_endpoints/v0/schema.py example: legacy index_url and default_url ignored",
		bag: map[string]string{
			"consent_url":      "http://identity-platform-login-ui-url/consent",
			"error_url":        "http://identity-platform-login-ui-url/error",
			"index_url":        "http://identity-platform-login-ui-url/index",
			"login_url":        "http://identity-platform-login-ui-url/login",
			"oidc_error_url":   "http://identity-platform-login-ui-url/oidc_error",
			"registration_url": "http://identity-platform-login-ui-url/registration",
			"default_url":      "http://identity-platform-login-ui-url",
		},
		want: URLs{
			Consent:      "http://identity-platform-login-ui-url/consent",
			Error:        "http://identity-platform-login-ui-url/error",
			Login:        "http://identity-platform-login-ui-url/login",
			OIDCError:    "http://identity-platform-login-ui-url/oidc_error",
			Registration: "http://identity-platform-login-ui-url/registration",
		},
	}, {
		name: "hydra-operator tests/unit/conftest.py (LIBPATCH 4: no verification_url)",
		bag: map[string]string{
			"consent_url":             "https://login-ui.example.com/consent",
			"error_url":               "https://login-ui.example.com/error",
			"login_url":               "https://login-ui.example.com/login",
			"oidc_error_url":          "https://login-ui.example.com/oidc_error",
			"device_verification_url": "https://login-ui.example.com/device_verification",
			"post_device_done_url":    "https://login-ui.example.com/post_device_done",
			"recovery_url":            "https://login-ui.example.com/recovery",
			"registration_url":        "https://login-ui.example.com/registration",
			"settings_url":            "https://login-ui.example.com/settings",
			"webauthn_settings_url":   "https://login-ui.example.com/webauthn_settings",
		},
		want: URLs{
			Consent:            "https://login-ui.example.com/consent",
			Error:              "https://login-ui.example.com/error",
			Login:              "https://login-ui.example.com/login",
			OIDCError:          "https://login-ui.example.com/oidc_error",
			DeviceVerification: "https://login-ui.example.com/device_verification",
			PostDeviceDone:     "https://login-ui.example.com/post_device_done",
			Recovery:           "https://login-ui.example.com/recovery",
			Registration:       "https://login-ui.example.com/registration",
			Settings:           "https://login-ui.example.com/settings",
			WebAuthnSettings:   "https://login-ui.example.com/webauthn_settings",
		},
	}, {
		name: "the reference login UI's full LIBPATCH 5 databag",
		bag:  goldenFull,
		want: ForBaseURL(base),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Decode(tt.bag); got != tt.want {
				t.Errorf("Decode = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	hydraPart := map[string]string{"consent_url": "c", "login_url": "l"}
	kratosPart := map[string]string{"settings_url": "s", "error_url": "e"}
	tests := []struct {
		name     string
		remotes  []Remote
		want     map[string]string
		conflict *ConflictError
	}{{
		name:    "disjoint keys are merged",
		remotes: []Remote{{3, "ui-a", hydraPart}, {5, "ui-b", kratosPart}},
		want:    map[string]string{"consent_url": "c", "login_url": "l", "settings_url": "s", "error_url": "e"},
	}, {
		name:    "empty databags are skipped",
		remotes: []Remote{{3, "ui-a", nil}, {5, "ui-b", kratosPart}, {6, "ui-c", map[string]string{}}},
		want:    kratosPart,
	}, {
		name:     "the same key twice conflicts even with the same value (the library compares keys only)",
		remotes:  []Remote{{3, "ui-a", hydraPart}, {5, "ui-b", map[string]string{"login_url": "l"}}},
		conflict: &ConflictError{Key: "login_url", RelationIDs: [2]int{3, 5}, Apps: [2]string{"ui-a", "ui-b"}},
	}, {
		name:     "different values conflict; the first key in sorted order is named",
		remotes:  []Remote{{1, "ui-a", goldenFull}, {2, "ui-b", goldenFull}},
		conflict: &ConflictError{Key: "account_linking_settings_url", RelationIDs: [2]int{1, 2}, Apps: [2]string{"ui-a", "ui-b"}},
	}, {
		name: "unknown keys conflict too, as in the library",
		remotes: []Remote{{1, "ui-a", map[string]string{"index_url": "x"}}, {4, "ui-b", kratosPart},
			{9, "ui-c", map[string]string{"index_url": "y"}}},
		conflict: &ConflictError{Key: "index_url", RelationIDs: [2]int{1, 9}, Apps: [2]string{"ui-a", "ui-c"}},
	}, {
		name:    "an empty value is no key (Juju cannot store one)",
		remotes: []Remote{{1, "ui-a", map[string]string{"login_url": ""}}, {2, "ui-b", hydraPart}},
		want:    hydraPart,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Merge(tt.remotes)
			if tt.conflict == nil {
				if err != nil || !maps.Equal(got, tt.want) {
					t.Errorf("Merge = %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			var ce *ConflictError
			if !errors.As(err, &ce) || *ce != *tt.conflict {
				t.Fatalf("Merge error = %v, want %+v", err, tt.conflict)
			}
			var ke *databag.KeyError
			if !errors.As(err, &ke) || ke.Key != tt.conflict.Key || !errors.Is(err, ErrConflict) {
				t.Errorf("conflict does not unwrap to a KeyError on %s: %v", tt.conflict.Key, err)
			}
		})
	}
}

// fuzzRemotes turns fuzz input into remote databags: relations separated
// by \x01, key/value pairs by \x00.
func fuzzRemotes(s string) []Remote {
	var out []Remote
	for i, rel := range strings.Split(s, "\x01") {
		parts := strings.Split(rel, "\x00")
		bag := map[string]string{}
		for j := 0; j+1 < len(parts); j += 2 {
			bag[parts[j]] = parts[j+1]
		}
		out = append(out, Remote{RelationID: i, App: "app", Data: bag})
	}
	return out
}

func fuzzSeed(bags ...map[string]string) string {
	rels := make([]string, 0, len(bags))
	for _, bag := range bags {
		var b strings.Builder
		for k, v := range bag {
			b.WriteString(k + "\x00" + v + "\x00")
		}
		rels = append(rels, b.String())
	}
	return strings.Join(rels, "\x01")
}

// FuzzDecode covers the requirer's decoding: Merge, then Decode.
func FuzzDecode(f *testing.F) {
	f.Add(fuzzSeed(goldenFull))
	f.Add(fuzzSeed(Encode(URLs{Login: "l", Consent: "c"}), Encode(URLs{Settings: "s"})))
	f.Add(fuzzSeed(goldenFull, goldenFull))
	f.Add(fuzzSeed(map[string]string{"index_url": "i", "default_url": "d"}, nil, map[string]string{"index_url": "j"}))
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		remotes := fuzzRemotes(raw)
		merged, err := Merge(remotes)
		if err != nil {
			var ce *ConflictError
			var ke *databag.KeyError
			if !errors.As(err, &ce) || !errors.As(err, &ke) || ke.Key != ce.Key {
				t.Fatalf("error %v is not a conflict on a key", err)
			}
			if remotes[ce.RelationIDs[0]].Data[ce.Key] == "" || remotes[ce.RelationIDs[1]].Data[ce.Key] == "" ||
				ce.RelationIDs[0] >= ce.RelationIDs[1] {
				t.Fatalf("conflict %+v names a key the two relations do not both carry", ce)
			}
			return
		}
		u := Decode(merged)
		enc := Encode(u)
		for k, v := range enc {
			if merged[k] != v {
				t.Fatalf("round trip changed %s", k)
			}
		}
		for _, k := range Keys() {
			if _, ok := enc[k]; !ok && merged[k] != "" {
				t.Fatalf("decoding lost %s", k)
			}
		}
		if !slices.Equal(slices.Sorted(maps.Keys(Encode(Decode(enc)))), slices.Sorted(maps.Keys(enc))) {
			t.Fatal("encoding is not stable")
		}
	})
}

func BenchmarkRoundTrip(b *testing.B) {
	u := ForBaseURL(base)
	for b.Loop() {
		merged, err := Merge([]Remote{{RelationID: 1, App: "login-ui", Data: Encode(u)}})
		if err != nil {
			b.Fatal(err)
		}
		if Decode(merged) != u {
			b.Fatal("round trip changed the URLs")
		}
	}
}
