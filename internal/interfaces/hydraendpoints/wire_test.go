package hydraendpoints

import (
	"errors"
	"maps"
	"testing"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
	"github.com/identity-platform-go/charms/internal/interfaces/databag/databagtest"
)

// hydraSvc is what Hydra publishes without ingress for relations
// (hydra-and-login-ui.md §1.9).
var hydraSvc = Endpoints{
	Admin:  "http://hydra.test-model.svc.cluster.local:4445",
	Public: "http://hydra.test-model.svc.cluster.local:4444",
}

func TestEncodeGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Endpoints
		want map[string]string
	}{{
		name: "cluster-local service URLs",
		in:   hydraSvc,
		want: map[string]string{
			"admin_endpoint":  "http://hydra.test-model.svc.cluster.local:4445",
			"public_endpoint": "http://hydra.test-model.svc.cluster.local:4444",
		},
	}, {
		name: "internal ingress URL for both, written as given",
		in:   Endpoints{Admin: "https://hydra.internal.example", Public: "https://hydra.internal.example"},
		want: map[string]string{
			"admin_endpoint":  "https://hydra.internal.example",
			"public_endpoint": "https://hydra.internal.example",
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
				t.Errorf("Encode = %v, want %v", got, tt.want)
			}
			back, err := Decode(got)
			if err != nil || back != tt.in {
				t.Errorf("Decode(Encode) = %+v, %v; want %+v", back, err, tt.in)
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in      Endpoints
		wantKey string
	}{
		{Endpoints{Public: "p"}, KeyAdmin},
		{Endpoints{Admin: "a"}, KeyPublic},
		{Endpoints{}, KeyAdmin},
	} {
		_, err := Encode(tt.in)
		var ke *databag.KeyError
		if !errors.As(err, &ke) || ke.Key != tt.wantKey || !errors.Is(err, databag.ErrMissing) {
			t.Errorf("Encode(%+v) = %v, want a missing %s", tt.in, err, tt.wantKey)
		}
	}
}

// Databags from the reference documents and the reference charms' tests.
func TestDecodeDocumented(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		bag  map[string]string
		want Endpoints
	}{{
		name: "interfaces/hydra_endpoints/v0/README.md example",
		bag:  map[string]string{"admin_endpoint": "admin-endpoint", "public_endpoint": "public-endpoint"},
		want: Endpoints{Admin: "admin-endpoint", Public: "public-endpoint"},
	}, {
		name: "kratos-operator tests/unit/conftest.py",
		bag:  map[string]string{"admin_endpoint": "admin_endpoint", "public_endpoint": "public_endpoint"},
		want: Endpoints{Admin: "admin_endpoint", Public: "public_endpoint"},
	}, {
		name: "identity-platform-login-ui-operator tests/unit/conftest.py, with an unknown key",
		bag: map[string]string{
			"admin_endpoint":  "http://hydra-admin-url:80/testing-hydra",
			"public_endpoint": "http://hydra-public-url:80/testing-hydra",
			"egress-subnets":  "10.0.0.0/32",
		},
		want: Endpoints{Admin: "http://hydra-admin-url:80/testing-hydra", Public: "http://hydra-public-url:80/testing-hydra"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decode(tt.bag)
			if err != nil || got != tt.want {
				t.Errorf("Decode = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		bag     map[string]string
		wantKey string
	}{
		{"empty databag: the provider has not written yet", nil, KeyAdmin},
		{"no admin_endpoint (the library raises)", map[string]string{"public_endpoint": "p"}, KeyAdmin},
		{"no public_endpoint (the library fails with KeyError)", map[string]string{"admin_endpoint": "a"}, KeyPublic},
		{"empty value counts as absent", map[string]string{"admin_endpoint": "", "public_endpoint": "p"}, KeyAdmin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode(tt.bag)
			var ke *databag.KeyError
			if !errors.As(err, &ke) || ke.Key != tt.wantKey || !errors.Is(err, databag.ErrMissing) {
				t.Errorf("Decode = %v, want a missing %s", err, tt.wantKey)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	golden, _ := Encode(hydraSvc)
	f.Add(databagtest.Seed(golden))
	f.Add(databagtest.Seed(map[string]string{"admin_endpoint": "admin-endpoint", "public_endpoint": "public-endpoint"}))
	f.Add(databagtest.Seed(map[string]string{"admin_endpoint": "a"}))
	f.Add(databagtest.Seed(map[string]string{"public_endpoint": "p", "x": "y"}))
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		bag := databagtest.Bag(raw)
		e, err := Decode(bag)
		if err != nil {
			ke := databagtest.CheckKeyError(t, err, []string{KeyAdmin, KeyPublic})
			if bag[ke.Key] != "" {
				t.Fatalf("key %s reported missing but present", ke.Key)
			}
			return
		}
		enc, err := Encode(e)
		if err != nil {
			t.Fatalf("decoded endpoints do not encode: %v", err)
		}
		for k, v := range enc {
			if bag[k] != v {
				t.Fatalf("round trip changed %s", k)
			}
		}
	})
}

func BenchmarkRoundTrip(b *testing.B) {
	for b.Loop() {
		bag, err := Encode(hydraSvc)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Decode(bag); err != nil {
			b.Fatal(err)
		}
	}
}
