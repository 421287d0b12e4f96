package oauth

import (
	"reflect"
	"testing"

	"github.com/identity-platform-go/charms/internal/interfaces/databag/databagtest"
)

var (
	requirerVocabulary = []string{KeyRedirectURI, KeyAudience, KeyScope, KeyGrantTypes, KeyTokenEndpointAuthMethod}
	providerVocabulary = []string{
		KeyIssuerURL, KeyAuthorizationEndpoint, KeyTokenEndpoint, KeyIntrospectionEndpoint, KeyUserinfoEndpoint,
		KeyJWKSEndpoint, KeyScope, KeyClientID, KeyClientSecretID, KeyGroups, KeyCAChain, KeyJWTAccessToken,
	}
)

// fuzzBag starts from one of the bases (golden bags, or empty) and sets
// up to three keys; an empty value deletes the key, as in Juju.
func fuzzBag(bases []map[string]string, base uint8, kv ...string) map[string]string {
	bag := with(bases[int(base)%len(bases)])
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(bag, kv[i])
		} else {
			bag[kv[i]] = kv[i+1]
		}
	}
	return bag
}

func seedFuzz(f *testing.F, seeds [][]string) {
	for i, s := range seeds {
		args := append(s, "", "", "", "", "", "")[:6]
		f.Add(uint8(i), args[0], args[1], args[2], args[3], args[4], args[5])
	}
}

func requirerFuzzBases() []map[string]string {
	golden, _ := EncodeClientConfig(libClientConfig)
	return []map[string]string{requirerBag(), golden, {}}
}

func FuzzDecodeClientConfig(f *testing.F) {
	seedFuzz(f, [][]string{
		{},
		{"redirect_uri", ""},
		{"grant_types", `["client_credentials"]`, "redirect_uri", ""},
		{"scope", "123", "audience", "[NaN]"},
		{"token_endpoint_auth_method", `["client_secret_basic"]`},
		{"scope", "openid", "grant_types", "[]", "audience", "[]"},
		{"client_id", `"x"`, "redirect_uri", "https://some_url/callback"},
	})
	bases := requirerFuzzBases()
	f.Fuzz(func(t *testing.T, base uint8, k1, v1, k2, v2, k3, v3 string) {
		bag := fuzzBag(bases, base, k1, v1, k2, v2, k3, v3)
		c, err := DecodeClientConfig(bag)
		if err != nil {
			databagtest.CheckKeyError(t, err, requirerVocabulary)
			return
		}
		out, err := EncodeClientConfig(c)
		if err != nil {
			// A request the provider accepts may fail the requirer's own
			// checks (the URL pattern, JSON-looking values): that error
			// too names a key.
			databagtest.CheckKeyError(t, err, append(requirerVocabulary, KeyClientID))
			return
		}
		back, err := DecodeClientConfig(out)
		if err != nil {
			t.Fatalf("decoding our own encoding %q: %v", out, err)
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("round trip: %+v became %+v", c, back)
		}
	})
}

func providerFuzzBases() []map[string]string {
	full := libProviderInfo
	full.Groups, full.CAChain, full.JWTAccessToken = "groups", []string{"pem"}, true
	golden, _ := EncodeProviderInfo(full)
	return []map[string]string{
		libProviderBag(),
		with(golden, "client_id", "client_id", "client_secret_id", "secret:123"),
		{},
	}
}

func FuzzDecodeProviderData(f *testing.F) {
	seedFuzz(f, [][]string{
		{},
		{"jwt_access_token", "true"},
		{"jwt_access_token", "yes", "ca_chain", `["a"]`},
		{"client_secret_id", "42174217421742"},
		{"groups", "null", "scope", "NaN"},
		{"issuer_url", ""},
	})
	bases := providerFuzzBases()
	f.Fuzz(func(t *testing.T, base uint8, k1, v1, k2, v2, k3, v3 string) {
		bag := fuzzBag(bases, base, k1, v1, k2, v2, k3, v3)
		d, err := DecodeProviderData(bag)
		if err != nil {
			databagtest.CheckKeyError(t, err, providerVocabulary)
			return
		}
		out, err := EncodeProviderInfo(d.ProviderInfo)
		if err != nil {
			databagtest.CheckKeyError(t, err, providerVocabulary)
			return
		}
		back, err := DecodeProviderData(out)
		if err != nil {
			t.Fatalf("decoding our own encoding %q: %v", out, err)
		}
		if len(d.CAChain) == 0 {
			d.CAChain = nil // an empty list is not written
		}
		if !reflect.DeepEqual(back.ProviderInfo, d.ProviderInfo) {
			t.Fatalf("round trip: %+v became %+v", d.ProviderInfo, back.ProviderInfo)
		}
	})
}

func BenchmarkRoundTripClientConfig(b *testing.B) {
	bag, _ := EncodeClientConfig(libClientConfig)
	b.ReportAllocs()
	for b.Loop() {
		c, err := DecodeClientConfig(bag)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := EncodeClientConfig(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRoundTripProviderData(b *testing.B) {
	info := libProviderInfo
	info.Groups, info.CAChain, info.JWTAccessToken = "groups", []string{"-----BEGIN CERTIFICATE-----\nAB\n-----END CERTIFICATE-----\n"}, true
	bag, _ := EncodeProviderInfo(info)
	bag[KeyClientID], bag[KeyClientSecretID] = "c0ffee", "secret:d0s1vqp6n7m1rlq3o2rg"
	b.ReportAllocs()
	for b.Loop() {
		d, err := DecodeProviderData(bag)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := EncodeProviderInfo(d.ProviderInfo); err != nil {
			b.Fatal(err)
		}
		if _, err := EncodeClient(d.ClientID, d.ClientSecretID); err != nil {
			b.Fatal(err)
		}
	}
}
