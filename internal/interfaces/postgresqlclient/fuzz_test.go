package postgresqlclient

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/interfaces/databag/databagtest"
)

// fuzzBag builds a databag from a JSON object (ignored when it is not
// one) plus one arbitrary key and value, so that the fuzzer can both
// mutate golden bags and put anything under any key.
func fuzzBag(raw, k, v string) map[string]string {
	bag := map[string]string{}
	_ = json.Unmarshal([]byte(raw), &bag)
	if bag == nil {
		bag = map[string]string{}
	}
	if k != "" {
		bag[k] = v
	}
	return bag
}

func seedJSON(f *testing.F, bag map[string]string) string {
	f.Helper()
	b, err := json.Marshal(bag)
	if err != nil {
		f.Fatal(err)
	}
	return string(b)
}

func FuzzDecodeRequest(f *testing.F) {
	hydra, _, err := EncodeRequest(Request{Database: "test-model_hydra", ExtraUserRoles: []string{"SUPERUSER"}})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []struct {
		bag  map[string]string
		k, v string
	}{
		{hydra, "", ""},
		{map[string]string{"database": "myappA", "requested-secrets": `["username", "password", "tls-ca", "uris"]`}, "", ""},
		{map[string]string{"database": "app*"}, "external-node-connectivity", "true"},
		{hydra, "requested-secrets", `[1, "a"]`},
		{hydra, "entity-type", "GROUP"},
		{hydra, "entity-permissions", `[{"resource_name": "t", "resource_type": "TABLE", "privileges": []}]`},
		{map[string]string{}, "database", "ab*"},
	} {
		f.Add(seedJSON(f, seed.bag), seed.k, seed.v)
	}
	vocabulary := requestKeys[:]
	f.Fuzz(func(t *testing.T, raw, k, v string) {
		bag := fuzzBag(raw, k, v)
		r, err := DecodeRequest(bag)
		if err != nil {
			databagtest.CheckKeyError(t, err, vocabulary)
			return
		}
		// A request the provider accepts is one the requirer can send.
		app, _, err := EncodeRequest(r)
		if err != nil {
			t.Fatalf("decoded %+v but cannot encode it: %v", r, err)
		}
		back, err := DecodeRequest(app)
		if err != nil || back.Database != r.Database || !slices.Equal(back.ExtraUserRoles, r.ExtraUserRoles) {
			t.Fatalf("round trip of %+v: %+v, %v", r, back, err)
		}
	})
}

const fuzzMarker = "\x01marker\x01"

func FuzzDecodeResponse(f *testing.F) {
	enc, err := EncodeResponse(k8sResponse, DefaultRequestedSecrets(), nil)
	if err != nil {
		f.Fatal(err)
	}
	bag := enc.Databag
	bag["secret-user"] = "secret:cjqub6vubg2s77p3nio0"
	bag["secret-tls"] = "secret:cjqub7fubg2s77p3niog"
	legacy, err := EncodeResponse(k8sResponse, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	user, tls := seedJSON(f, enc.Secrets[GroupUser]), seedJSON(f, enc.Secrets[GroupTLS])
	f.Add(seedJSON(f, bag), user, tls, "", "", false)
	f.Add(seedJSON(f, bag), user, tls, "", "", true)
	f.Add(seedJSON(f, legacy.Databag), "", "", "tls", "maybe", false)
	f.Add(seedJSON(f, legacy.Databag), "", "", "endpoints", "[::1]:5432,h:99999", false)
	f.Add(seedJSON(f, map[string]string{"endpoints": "h:1"}), "", "", "database", "d", false)
	vocabulary := []string{KeyDatabase, KeyEndpoints, KeyReadOnlyEndpoints, KeyUsername, KeyPassword, KeyTLS}
	f.Fuzz(func(t *testing.T, raw, userJSON, tlsJSON, k, v string, mark bool) {
		bag := fuzzBag(raw, k, v)
		secrets := map[SecretGroup]map[string]string{
			GroupUser: fuzzBag(userJSON, "", ""),
			GroupTLS:  fuzzBag(tlsJSON, "", ""),
		}
		if mark {
			// Secret values must never reach an error message.
			for _, content := range secrets {
				for key := range content {
					content[key] += fuzzMarker
				}
			}
		}
		r, err := DecodeResponse(bag, secrets)
		if err != nil {
			databagtest.CheckKeyError(t, err, vocabulary)
			if strings.Contains(err.Error(), fuzzMarker) {
				t.Fatalf("error quotes a secret value: %q", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("decoded an invalid response: %v", err)
		}
		cr := Credentials{Database: r.Database, Endpoints: SplitEndpoints(r.Endpoints), Username: r.Username, Password: r.Password}
		if _, err := cr.DSN(); err != nil && !strings.HasSuffix(r.Database, "*") {
			t.Fatalf("no DSN for a valid response: %v", err)
		}
	})
}
