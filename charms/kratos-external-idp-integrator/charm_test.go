package main

import (
	"maps"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/interfaces/externalprovider"
)

const (
	relID  = 3
	secret = "s3cr3t-client-secret"
	appleK = "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMG\n-----END PRIVATE KEY-----\n"
	// genericID is the reference library's derived ID for client_id
	// "client_id" and issuer "http://example.com".
	genericID  = "generic_c1b858ba120b6a62d17865256fab2617b727ab27"
	redirectOK = "https://id.example.com/self-service/methods/oidc/callback/" + genericID
)

func newContext(t testing.TB) *charmtest.Context {
	t.Helper()
	meta, err := charmcraft.Load("charmcraft.yaml")
	if err != nil {
		t.Fatalf("loading charmcraft.yaml: %v", err)
	}
	return &charmtest.Context{Charm: integrator{}, Meta: meta}
}

func genericConfig() map[string]any {
	return map[string]any{
		"client_id":     "client_id",
		"client_secret": secret,
		"provider":      "generic",
		"label":         "Some Provider",
		"issuer_url":    "http://example.com",
		"scope":         "profile email address phone",
	}
}

func with(base map[string]any, kv ...any) map[string]any {
	out := maps.Clone(base)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func kratosRelation(remoteApp map[string]string, localApp map[string]string) charmtest.Relation {
	return charmtest.Relation{
		Endpoint:      endpoint,
		ID:            relID,
		RemoteApp:     "kratos",
		RemoteAppData: remoteApp,
		LocalAppData:  localApp,
		RemoteUnits:   map[int]map[string]string{0: {}},
	}
}

func registered(id, uri string) map[string]string {
	return map[string]string{"providers": externalprovider.EncodeRegistrations([]externalprovider.Registration{{ProviderID: id, RedirectURI: uri}})}
}

const genericGolden = `[{"provider":"generic","client_id":"client_id","scope":"profile email address phone",` +
	`"id":"` + genericID + `","label":"Some Provider","jsonnet_mapper":null,"mapper_url":null,` +
	`"issuer_url":"http://example.com","client_secret":"` + secret + `"}]`

func TestReconcile(t *testing.T) {
	t.Parallel()
	staleBag := map[string]string{"providers": genericGolden}
	tests := []struct {
		name      string
		leader    bool
		config    map[string]any
		relations []charmtest.Relation
		event     func(rels []charmtest.Relation) charm.Event
		// want: status and the local app databag of relation relID (nil:
		// no relation expected).
		wantStatus charmtest.Status
		wantBag    map[string]string
		wantLog    string
	}{{
		name:       "generic provider, Kratos has not registered it yet",
		leader:     true,
		config:     genericConfig(),
		relations:  []charmtest.Relation{kratosRelation(nil, nil)},
		wantStatus: charmtest.Status{Name: "waiting", Message: msgWaiting},
		wantBag:    map[string]string{"providers": genericGolden},
	}, {
		name:      "redirect URI arrives from Kratos",
		leader:    true,
		config:    genericConfig(),
		relations: []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), nil)},
		event: func(r []charmtest.Relation) charm.Event {
			return charmtest.RelationEvent(charm.RelationChanged, r[0], -1)
		},
		wantStatus: charmtest.Status{Name: "active", Message: msgReady},
		wantBag:    map[string]string{"providers": genericGolden},
	}, {
		name:       "Kratos registered another provider ID: still waiting",
		leader:     true,
		config:     with(genericConfig(), "provider_id", "okta"),
		relations:  []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), nil)},
		wantStatus: charmtest.Status{Name: "waiting", Message: msgWaiting},
		wantBag:    map[string]string{"providers": strings.Replace(genericGolden, `"id":"`+genericID+`"`, `"id":"okta"`, 1)},
	}, {
		name:       "no relation",
		leader:     true,
		config:     genericConfig(),
		wantStatus: charmtest.Status{Name: "blocked", Message: "Missing integration kratos-external-idp"},
	}, {
		name:      "relation-broken: the relation going away no longer counts",
		leader:    true,
		config:    genericConfig(),
		relations: []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), staleBag)},
		event: func(r []charmtest.Relation) charm.Event {
			return charmtest.RelationEvent(charm.RelationBroken, r[0], -1)
		},
		wantStatus: charmtest.Status{Name: "blocked", Message: "Missing integration kratos-external-idp"},
		wantBag:    staleBag,
	}, {
		name:       "non-leader writes nothing but reports the registration",
		leader:     false,
		config:     genericConfig(),
		relations:  []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), nil)},
		wantStatus: charmtest.Status{Name: "active", Message: msgReady},
		wantBag:    map[string]string{},
	}, {
		name:       "disabled: provider removed from Kratos",
		leader:     true,
		config:     with(genericConfig(), "enabled", false),
		relations:  []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), staleBag)},
		wantStatus: charmtest.Status{Name: "active", Message: msgDisabled},
		wantBag:    map[string]string{},
	}, {
		name:       "invalid config clears what Kratos had",
		leader:     true,
		config:     with(genericConfig(), "issuer_url", nil),
		relations:  []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), staleBag)},
		wantStatus: charmtest.Status{Name: "blocked", Message: msgInvalid + ": issuer_url is required for provider generic"},
		wantBag:    map[string]string{},
	}, {
		name:       "malformed registration from Kratos",
		leader:     true,
		config:     genericConfig(),
		relations:  []charmtest.Relation{kratosRelation(map[string]string{"providers": `{"oops"`}, nil)},
		wantStatus: charmtest.Status{Name: "waiting", Message: msgWaiting + " (malformed data from kratos: key \"providers\": not a JSON list of objects: unexpected end of JSON input)"},
		wantBag:    map[string]string{"providers": genericGolden},
		wantLog:    "WARNING malformed data from kratos",
	}, {
		name:       "options that do not apply are logged and ignored",
		leader:     true,
		config:     with(genericConfig(), "microsoft_tenant_id", "4242424242"),
		relations:  []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), nil)},
		wantStatus: charmtest.Status{Name: "active", Message: msgReady},
		wantBag:    map[string]string{"providers": genericGolden},
		wantLog:    "WARNING option microsoft_tenant_id is ignored for provider generic",
	}}
	ctx := newContext(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := charmtest.State{Leader: tt.leader, Config: tt.config, Relations: tt.relations}
			ev := charmtest.Hook(charm.ConfigChanged)
			if tt.event != nil {
				ev = tt.event(tt.relations)
			}
			out := ctx.Run(t, ev, in)
			if out.Err != nil {
				t.Fatalf("dispatch failed: %v", out.Err)
			}
			if out.State.UnitStatus != tt.wantStatus {
				t.Errorf("unit status = %+v, want %+v", out.State.UnitStatus, tt.wantStatus)
			}
			if tt.wantBag != nil {
				got := localAppData(t, out.State)
				if !maps.Equal(got, tt.wantBag) {
					t.Errorf("local app databag:\n got %v\nwant %v", got, tt.wantBag)
				}
			}
			if tt.wantLog != "" && !containsLine(out.Logs, tt.wantLog) {
				t.Errorf("logs %q lack %q", out.Logs, tt.wantLog)
			}
			assertNoSecretLeak(t, out)
		})
	}
}

// TestProviderTypes covers each provider type's valid and invalid
// configurations: the exact databag JSON for valid ones, the exact status
// for invalid ones (and an empty databag).
func TestProviderTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		config   map[string]any
		wantJSON string // "" when invalid
		wantMsg  string // blocked message when invalid
	}{{
		name:   "microsoft",
		config: map[string]any{"provider": "microsoft", "client_id": "cid", "client_secret": secret, "microsoft_tenant_id": "some-tenant-id"},
		wantJSON: `[{"provider":"microsoft","client_id":"cid","scope":"profile email address phone","id":"` +
			externalprovider.DeriveID("microsoft", "cid", "", "some-tenant-id") + `","label":"microsoft",` +
			`"jsonnet_mapper":null,"mapper_url":null,"client_secret":"` + secret + `","microsoft_tenant":"some-tenant-id"}]`,
	}, {
		name:    "microsoft without tenant",
		config:  map[string]any{"provider": "microsoft", "client_id": "cid", "client_secret": secret},
		wantMsg: msgInvalid + ": microsoft_tenant_id is required for provider microsoft",
	}, {
		name:   "github uses its own default scope",
		config: map[string]any{"provider": "github", "client_id": "cid", "client_secret": secret},
		wantJSON: `[{"provider":"github","client_id":"cid","scope":"user:email","id":"` +
			externalprovider.DeriveID("github", "cid", "", "") + `","label":"github",` +
			`"jsonnet_mapper":null,"mapper_url":null,"client_secret":"` + secret + `"}]`,
	}, {
		name: "apple needs no secret; its key keeps its newlines",
		config: map[string]any{"provider": "apple", "client_id": "cid", "apple_team_id": "team",
			"apple_private_key_id": "kid", "apple_private_key": appleK, "provider_id": "apple"},
		wantJSON: `[{"provider":"apple","client_id":"cid","scope":"profile email address phone","id":"apple",` +
			`"label":"apple","jsonnet_mapper":null,"mapper_url":null,"apple_team_id":"team",` +
			`"apple_private_key_id":"kid","apple_private_key":"-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMG\n-----END PRIVATE KEY-----\n"}]`,
	}, {
		name:    "apple without its key",
		config:  map[string]any{"provider": "apple", "client_id": "cid", "apple_team_id": "team", "apple_private_key_id": "kid"},
		wantMsg: msgInvalid + ": apple_private_key is required for provider apple",
	}, {
		name:   "auth0 with jsonnet mapper",
		config: map[string]any{"provider": "auth0", "client_id": "cid", "client_secret": secret, "issuer_url": "https://tenant.auth0.com/", "jsonnet_mapper": "{}", "provider_id": "auth0"},
		wantJSON: `[{"provider":"auth0","client_id":"cid","scope":"profile email address phone","id":"auth0","label":"auth0",` +
			`"jsonnet_mapper":"{}","mapper_url":"base64://e30=","issuer_url":"https://tenant.auth0.com/","client_secret":"` + secret + `"}]`,
	}, {
		name:    "generic issuer without scheme",
		config:  map[string]any{"provider": "generic", "client_id": "cid", "client_secret": secret, "issuer_url": "example.com"},
		wantMsg: msgInvalid + `: issuer_url must be an absolute http(s) URL, got "example.com"`,
	}, {
		name:   "yandex is what Kratos v1.3.1 calls it",
		config: map[string]any{"provider": "yandex", "client_id": "cid", "client_secret": secret, "provider_id": "ya"},
		wantJSON: `[{"provider":"yandex","client_id":"cid","scope":"profile email address phone","id":"ya","label":"yandex",` +
			`"jsonnet_mapper":null,"mapper_url":null,"client_secret":"` + secret + `"}]`,
	}, {
		name:    "twitch is unknown to Kratos v1.3.1",
		config:  map[string]any{"provider": "twitch", "client_id": "cid", "client_secret": secret},
		wantMsg: msgInvalid + `: provider "twitch" is not supported (use one of ` + strings.Join(externalprovider.Types(), ", ") + ")",
	}, {
		name:    "the reference charm's typo yander",
		config:  map[string]any{"provider": "yander", "client_id": "cid", "client_secret": secret},
		wantMsg: msgInvalid + `: provider "yander" is not supported (use one of ` + strings.Join(externalprovider.Types(), ", ") + ")",
	}, {
		name:    "google without secret",
		config:  map[string]any{"provider": "google", "client_id": "cid"},
		wantMsg: msgInvalid + ": client_secret is required for provider google",
	}, {
		name:    "no client id",
		config:  map[string]any{"provider": "gitlab", "client_secret": secret, "client_id": "  "},
		wantMsg: msgInvalid + ": client_id is required",
	}, {
		name:    "provider_id that would break the callback path",
		config:  map[string]any{"provider": "google", "client_id": "cid", "client_secret": secret, "provider_id": "a/b"},
		wantMsg: msgInvalid + ": provider_id may contain only letters, digits, '.', '_', '~' and '-'",
	}}
	ctx := newContext(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := charmtest.State{Leader: true, Config: tt.config, Relations: []charmtest.Relation{kratosRelation(nil, map[string]string{"providers": genericGolden})}}
			out := ctx.Run(t, charmtest.Hook(charm.ConfigChanged), in)
			if out.Err != nil {
				t.Fatalf("dispatch failed: %v", out.Err)
			}
			bag := localAppData(t, out.State)
			if tt.wantMsg != "" {
				want := charmtest.Status{Name: "blocked", Message: tt.wantMsg}
				if out.State.UnitStatus != want {
					t.Errorf("status = %+v, want %+v", out.State.UnitStatus, want)
				}
				if len(bag) != 0 {
					t.Errorf("databag not cleared: %v", bag)
				}
			} else {
				if bag["providers"] != tt.wantJSON {
					t.Errorf("providers:\n got %s\nwant %s", bag["providers"], tt.wantJSON)
				}
				if want := (charmtest.Status{Name: "waiting", Message: msgWaiting}); out.State.UnitStatus != want {
					t.Errorf("status = %+v, want %+v", out.State.UnitStatus, want)
				}
			}
			assertNoSecretLeak(t, out)
		})
	}
}

func TestDisableThenReenable(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	state := charmtest.State{Leader: true, Config: genericConfig(), Relations: []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), nil)}}

	steps := []struct {
		enabled    bool
		wantBag    map[string]string
		wantStatus charmtest.Status
	}{
		{true, map[string]string{"providers": genericGolden}, charmtest.Status{Name: "active", Message: msgReady}},
		{false, map[string]string{}, charmtest.Status{Name: "active", Message: msgDisabled}},
		{true, map[string]string{"providers": genericGolden}, charmtest.Status{Name: "active", Message: msgReady}},
	}
	for i, step := range steps {
		state.Config = with(genericConfig(), "enabled", step.enabled)
		out := ctx.Run(t, charmtest.Hook(charm.ConfigChanged), state)
		if out.Err != nil {
			t.Fatalf("step %d: %v", i, out.Err)
		}
		if got := localAppData(t, out.State); !maps.Equal(got, step.wantBag) {
			t.Errorf("step %d (enabled=%v): bag %v, want %v", i, step.enabled, got, step.wantBag)
		}
		if out.State.UnitStatus != step.wantStatus {
			t.Errorf("step %d: status %+v, want %+v", i, out.State.UnitStatus, step.wantStatus)
		}
		state = out.State
	}
}

func TestGetRedirectURIAction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		leader      bool
		relations   []charmtest.Relation
		wantResults map[string]any
		wantFailure string
	}{{
		name:        "registered",
		leader:      true,
		relations:   []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), nil)},
		wantResults: map[string]any{"redirect-uri": redirectOK},
	}, {
		name:        "any unit can read it",
		leader:      false,
		relations:   []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), nil)},
		wantResults: map[string]any{"redirect-uri": redirectOK},
	}, {
		name:        "no relation",
		leader:      true,
		wantFailure: msgNoRedirectURI,
	}, {
		name:        "relation without data",
		leader:      true,
		relations:   []charmtest.Relation{kratosRelation(nil, nil)},
		wantFailure: msgNoRedirectURI,
	}, {
		name:        "malformed data",
		leader:      true,
		relations:   []charmtest.Relation{kratosRelation(map[string]string{"providers": `[{"provider_id":"x"}]`}, nil)},
		wantFailure: msgNoRedirectURI + ": malformed data from kratos: key \"providers\": item 0: redirect_uri is required",
	}}
	ctx := newContext(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := charmtest.State{Leader: tt.leader, Config: genericConfig(), Relations: tt.relations}
			out := ctx.RunAction(t, "get-redirect-uri", nil, in)
			if out.Err != nil {
				t.Fatalf("action errored: %v", out.Err)
			}
			if tt.wantFailure != "" {
				if !out.ActionFailed || out.ActionMessage != tt.wantFailure {
					t.Errorf("failed=%v message=%q, want failure %q", out.ActionFailed, out.ActionMessage, tt.wantFailure)
				}
				return
			}
			if out.ActionFailed {
				t.Fatalf("action failed: %s", out.ActionMessage)
			}
			if !maps.Equal(out.ActionResults, tt.wantResults) {
				t.Errorf("results %v, want %v", out.ActionResults, tt.wantResults)
			}
			assertNoSecretLeak(t, out)
		})
	}
}

// FuzzConfig feeds arbitrary option values through a full dispatch: the
// charm must never fail the hook or panic, must never publish a provider
// while blocked, and must never show the client secret.
func FuzzConfig(f *testing.F) {
	f.Add("generic", "client_id", "http://example.com", "", "", "", true)
	f.Add("microsoft", "cid", "", "tenant", "", "id", true)
	f.Add("apple", "cid", "", "", appleK, "", false)
	f.Add("twitch", "", "::", "", "", "a/b", true)
	ctx := newContext(f)
	f.Fuzz(func(t *testing.T, provider, clientID, issuer, tenant, appleKey, providerID string, enabled bool) {
		cfg := map[string]any{
			"provider": provider, "client_id": clientID, "client_secret": secret, "issuer_url": issuer,
			"microsoft_tenant_id": tenant, "apple_team_id": "team", "apple_private_key_id": "kid",
			"apple_private_key": appleKey, "provider_id": providerID, "enabled": enabled,
		}
		in := charmtest.State{Leader: true, Config: cfg, Relations: []charmtest.Relation{kratosRelation(map[string]string{"providers": providerID}, nil)}}
		out := ctx.Run(t, charmtest.Hook(charm.ConfigChanged), in)
		if out.Err != nil {
			t.Fatalf("hook failed: %v", out.Err)
		}
		bag := localAppData(t, out.State)
		if out.State.UnitStatus.Name == "blocked" && bag["providers"] != "" {
			t.Fatalf("blocked but published %q", bag["providers"])
		}
		if raw := bag["providers"]; raw != "" {
			if _, err := externalprovider.DecodeProviders(raw); err != nil {
				t.Fatalf("published a provider Kratos' side cannot decode: %v", err)
			}
		}
		assertNoSecretLeak(t, out)
	})
}

func BenchmarkDispatchConfigChanged(b *testing.B) {
	ctx := newContext(b)
	in := charmtest.State{Leader: true, Config: genericConfig(), Relations: []charmtest.Relation{kratosRelation(registered(genericID, redirectOK), nil)}}
	ev := charmtest.Hook(charm.ConfigChanged)
	b.ReportAllocs()
	for b.Loop() {
		if out := ctx.Run(b, ev, in); out.Err != nil {
			b.Fatal(out.Err)
		}
	}
}

func localAppData(t testing.TB, st charmtest.State) map[string]string {
	t.Helper()
	for _, r := range st.Relations {
		if r.ID == relID {
			if r.LocalAppData == nil {
				return map[string]string{}
			}
			return r.LocalAppData
		}
	}
	return nil
}

func containsLine(lines []string, substr string) bool {
	for _, l := range lines {
		if strings.Contains(l, substr) {
			return true
		}
	}
	return false
}

func assertNoSecretLeak(t testing.TB, out charmtest.Output) {
	t.Helper()
	places := append([]string{out.State.UnitStatus.Message, out.State.AppStatus.Message, out.ActionMessage}, out.Logs...)
	places = append(places, out.ActionLogs...)
	for k, v := range out.ActionResults {
		places = append(places, k, toString(v))
	}
	if out.Err != nil {
		places = append(places, out.Err.Error())
	}
	for _, p := range places {
		if strings.Contains(p, secret) || strings.Contains(p, "MIGTAgEAMBMG") {
			t.Fatalf("a secret leaked into %q", p)
		}
	}
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// TestEveryProviderType runs a valid and an invalid configuration for each
// accepted type and checks the exact databag and status. The expected JSON
// is spelled out per family of the reference models (field order differs).
func TestEveryProviderType(t *testing.T) {
	t.Parallel()
	ctx := newContext(t)
	head := func(typ, scope string) string {
		return `[{"provider":"` + typ + `","client_id":"cid","scope":"` + scope + `","id":"` + typ + `-idp","label":"` + typ + `",` +
			`"jsonnet_mapper":null,"mapper_url":null,`
	}
	for _, typ := range externalprovider.Types() {
		valid := map[string]any{"provider": typ, "client_id": "cid", "client_secret": secret, "provider_id": typ + "-idp"}
		var wantJSON string
		var invalid map[string]any
		var invalidMsg string
		switch typ {
		case "generic", "auth0":
			valid["issuer_url"] = "https://idp.example.com"
			wantJSON = head(typ, "profile email address phone") + `"issuer_url":"https://idp.example.com","client_secret":"` + secret + `"}]`
			invalid, invalidMsg = with(valid, "issuer_url", "/relative"), `issuer_url must be an absolute http(s) URL, got "/relative"`
		case "microsoft":
			valid["microsoft_tenant_id"] = "organizations"
			wantJSON = head(typ, "profile email address phone") + `"client_secret":"` + secret + `","microsoft_tenant":"organizations"}]`
			invalid, invalidMsg = with(valid, "microsoft_tenant_id", ""), "microsoft_tenant_id is required for provider microsoft"
		case "apple":
			valid = map[string]any{"provider": typ, "client_id": "cid", "provider_id": typ + "-idp",
				"apple_team_id": "team", "apple_private_key_id": "kid", "apple_private_key": appleK}
			wantJSON = head(typ, "profile email address phone") + `"apple_team_id":"team","apple_private_key_id":"kid",` +
				`"apple_private_key":"-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMG\n-----END PRIVATE KEY-----\n"}]`
			invalid, invalidMsg = with(valid, "apple_team_id", nil), "apple_team_id is required for provider apple"
		case "github":
			wantJSON = head(typ, "user:email") + `"client_secret":"` + secret + `"}]`
			invalid, invalidMsg = with(valid, "client_secret", ""), "client_secret is required for provider github"
		default:
			wantJSON = head(typ, "profile email address phone") + `"client_secret":"` + secret + `"}]`
			invalid, invalidMsg = with(valid, "client_secret", nil), "client_secret is required for provider "+typ
		}
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			rel := []charmtest.Relation{kratosRelation(nil, nil)}
			out := ctx.Run(t, charmtest.Hook(charm.ConfigChanged), charmtest.State{Leader: true, Config: valid, Relations: rel})
			if got := localAppData(t, out.State)["providers"]; got != wantJSON {
				t.Errorf("valid %s:\n got %s\nwant %s", typ, got, wantJSON)
			}
			if want := (charmtest.Status{Name: "waiting", Message: msgWaiting}); out.State.UnitStatus != want {
				t.Errorf("valid %s: status %+v", typ, out.State.UnitStatus)
			}
			assertNoSecretLeak(t, out)

			out = ctx.Run(t, charmtest.Hook(charm.ConfigChanged), charmtest.State{Leader: true, Config: invalid, Relations: out.State.Relations})
			if want := (charmtest.Status{Name: "blocked", Message: msgInvalid + ": " + invalidMsg}); out.State.UnitStatus != want {
				t.Errorf("invalid %s: status %+v, want %+v", typ, out.State.UnitStatus, want)
			}
			if bag := localAppData(t, out.State); len(bag) != 0 {
				t.Errorf("invalid %s: databag not cleared: %v", typ, bag)
			}
			assertNoSecretLeak(t, out)
		})
	}
}
