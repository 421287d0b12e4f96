package postgresqlclient

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// Golden values: json.dumps output of CPython 3.11 for the library's
// default lists.
const (
	goldenRequested = `["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]`
	goldenProvided  = `["mtls-cert"]`
)

// wantKeyError checks that err is a *databag.KeyError for key (and, with
// missing, that it wraps databag.ErrMissing).
func wantKeyError(t *testing.T, err error, key string, missing bool) {
	t.Helper()
	var ke *databag.KeyError
	if !errors.As(err, &ke) {
		t.Fatalf("err = %v, want a *databag.KeyError for %q", err, key)
	}
	if ke.Key != key {
		t.Errorf("KeyError.Key = %q, want %q (%v)", ke.Key, key, err)
	}
	if missing != errors.Is(err, databag.ErrMissing) {
		t.Errorf("errors.Is(err, ErrMissing) = %v, want %v (%v)", !missing, missing, err)
	}
}

func TestEncodeRequest(t *testing.T) {
	t.Parallel()
	both := map[string]string{KeyRequestedSecrets: goldenRequested, KeyProvidedSecrets: goldenProvided}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	tests := []struct {
		name     string
		req      Request
		app      map[string]string
		unit     map[string]string
		errKey   string
		errEmpty bool
	}{{
		// What Canonical's Hydra and Kratos write (DatabaseRequires with
		// extra_user_roles="SUPERUSER").
		name: "hydra",
		req:  Request{Database: "test-model_hydra", ExtraUserRoles: []string{"SUPERUSER"}},
		app:  with(both, KeyDatabase, "test-model_hydra", KeyExtraUserRoles, "SUPERUSER"),
		unit: both,
	}, {
		name: "external connectivity, several roles",
		req:  Request{Database: "db", ExtraUserRoles: []string{"createdb", "admin"}, ExternalNodeConnectivity: true},
		app:  with(both, KeyDatabase, "db", KeyExtraUserRoles, "createdb,admin", KeyExternalNodeConnectivity, "true"),
		unit: both,
	}, {
		name: "own requested secrets",
		req:  Request{Database: "db", RequestedSecrets: []string{"username", "password"}},
		app:  with(both, KeyDatabase, "db", KeyRequestedSecrets, `["username", "password"]`),
		unit: with(both, KeyRequestedSecrets, `["username", "password"]`),
	}, {
		name: "no secrets at all: the lists are not written",
		req:  Request{Database: "db", RequestedSecrets: []string{}, ProvidedSecrets: []string{}},
		app:  map[string]string{KeyDatabase: "db"},
		unit: map[string]string{},
	}, {
		name: "prefix and entity",
		req: Request{Database: "app*", EntityType: EntityGroup, ExtraGroupRoles: []string{"charmed_read"},
			EntityPermissions: `[{"resource_name": "items", "resource_type": "TABLE", "privileges": ["SELECT"]}]`,
			PrefixMatching:    "all"},
		app: with(both, KeyDatabase, "app*", KeyEntityType, "GROUP", KeyExtraGroupRoles, "charmed_read",
			KeyEntityPermissions, `[{"resource_name": "items", "resource_type": "TABLE", "privileges": ["SELECT"]}]`,
			KeyPrefixMatching, "all"),
		unit: both,
	},
		{name: "no database", req: Request{}, errKey: KeyDatabase, errEmpty: true},
		{name: "short prefix", req: Request{Database: "ab*"}, errKey: KeyDatabase},
		{name: "star inside", req: Request{Database: "a*b"}, errKey: KeyDatabase},
		{name: "too long", req: Request{Database: strings.Repeat("d", 64)}, errKey: KeyDatabase},
		{name: "bad secret key", req: Request{Database: "db", RequestedSecrets: []string{"tls_ca"}}, errKey: KeyRequestedSecrets},
		{name: "role with comma", req: Request{Database: "db", ExtraUserRoles: []string{"a,b"}}, errKey: KeyExtraUserRoles},
		{name: "entity type", req: Request{Database: "db", EntityType: "ROLE"}, errKey: KeyEntityType},
		{name: "user entity with group roles", req: Request{Database: "db", EntityType: EntityUser, ExtraGroupRoles: []string{"x"}}, errKey: KeyExtraGroupRoles},
		{name: "group entity with user roles", req: Request{Database: "db", EntityType: EntityGroup, ExtraUserRoles: []string{"x"}}, errKey: KeyExtraUserRoles},
		{name: "permissions keys", req: Request{Database: "db", EntityPermissions: `[{"resource_name": "t"}]`}, errKey: KeyEntityPermissions},
		{name: "permissions JSON", req: Request{Database: "db", EntityPermissions: `{`}, errKey: KeyEntityPermissions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			app, unit, err := EncodeRequest(tt.req)
			if tt.errKey != "" {
				wantKeyError(t, err, tt.errKey, tt.errEmpty)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(app, tt.app) {
				t.Errorf("app databag\n got %v\nwant %v", app, tt.app)
			}
			if !maps.Equal(unit, tt.unit) {
				t.Errorf("unit databag\n got %v\nwant %v", unit, tt.unit)
			}
			// What the provider decodes is what was asked for.
			back, err := DecodeRequest(app)
			if err != nil {
				t.Fatalf("DecodeRequest: %v", err)
			}
			want := tt.req
			if want.RequestedSecrets == nil {
				want.RequestedSecrets = DefaultRequestedSecrets()
			}
			if want.ProvidedSecrets == nil {
				want.ProvidedSecrets = DefaultProvidedSecrets()
			}
			if len(want.RequestedSecrets) == 0 {
				want.RequestedSecrets = nil // not written, so not read
			}
			if len(want.ProvidedSecrets) == 0 {
				want.ProvidedSecrets = nil
			}
			if !reflect.DeepEqual(back, want) {
				t.Errorf("round trip\n got %+v\nwant %+v", back, want)
			}
		})
	}
}

func TestDecodeRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		bag      map[string]string
		want     Request
		errKey   string
		errEmpty bool
	}{{
		// interfaces/postgresql_client/v0/README.md's example (which
		// shows requested-secrets outside application-data by mistake).
		name: "interface README",
		bag:  map[string]string{"database": "myappA", "requested-secrets": `["username", "password", "tls-ca", "uris"]`},
		want: Request{Database: "myappA", RequestedSecrets: []string{"username", "password", "tls-ca", "uris"}},
	}, {
		// schema.py's examples; the library reads only "true" as true.
		name: "schema examples",
		bag: map[string]string{"database": "myapp", "requested-secrets": `["username","password"]`,
			"extra-user-roles": "default,admin", "external-node-connectivity": "True"},
		want: Request{Database: "myapp", RequestedSecrets: []string{"username", "password"}, ExtraUserRoles: []string{"default", "admin"}},
	}, {
		name: "legacy requirer without secrets",
		bag:  map[string]string{"database": "app"},
		want: Request{Database: "app"},
	}, {
		name: "Python provider snapshot and alias are ignored",
		bag:  map[string]string{"database": "app", "data": "{}", "alias": "first", "extra-user-roles": " SUPERUSER, ,"},
		want: Request{Database: "app", ExtraUserRoles: []string{"SUPERUSER"}},
	},
		{name: "nothing yet", bag: map[string]string{"requested-secrets": goldenRequested}, errKey: KeyDatabase, errEmpty: true},
		{name: "requested not JSON", bag: map[string]string{"database": "a", "requested-secrets": "username"}, errKey: KeyRequestedSecrets},
		{name: "requested not a list", bag: map[string]string{"database": "a", "requested-secrets": `{"a": 1}`}, errKey: KeyRequestedSecrets},
		{name: "requested null", bag: map[string]string{"database": "a", "requested-secrets": `null`}, errKey: KeyRequestedSecrets},
		{name: "requested bad key", bag: map[string]string{"database": "a", "requested-secrets": `["Username"]`}, errKey: KeyRequestedSecrets},
		{name: "provided bad", bag: map[string]string{"database": "a", "provided-secrets": `[1]`}, errKey: KeyProvidedSecrets},
		{name: "prefix too short", bag: map[string]string{"database": "ab*"}, errKey: KeyDatabase},
		{name: "permissions", bag: map[string]string{"database": "a", "entity-permissions": `[null]`}, errKey: KeyEntityPermissions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeRequest(tt.bag)
			if tt.errKey != "" {
				wantKeyError(t, err, tt.errKey, tt.errEmpty)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// k8sResponse is what postgresql-k8s publishes for relation 7 of a
// one-unit cluster without TLS (src/relations/postgresql_provider.py).
var k8sResponse = Response{
	Database:          "test-model_hydra",
	Endpoints:         "postgresql-k8s-primary.test-model.svc.cluster.local:5432",
	ReadOnlyEndpoints: "postgresql-k8s-primary.test-model.svc.cluster.local:5432",
	Version:           "14.15",
	Username:          "relation_id_7",
	Password:          "Pa55:w/rd@x?",
	URIs:              "postgresql://relation_id_7:Pa55:w/rd@x?@postgresql-k8s-primary.test-model.svc.cluster.local:5432/test-model_hydra",
}

func TestEncodeResponse(t *testing.T) {
	t.Parallel()
	plainPart := map[string]string{
		"database": k8sResponse.Database, "endpoints": k8sResponse.Endpoints,
		"read-only-endpoints": k8sResponse.ReadOnlyEndpoints, "version": "14.15",
	}
	user := map[string]string{"username": "relation_id_7", "password": k8sResponse.Password, "uris": k8sResponse.URIs}
	allPlain := maps.Clone(plainPart)
	maps.Copy(allPlain, user)
	allPlain["tls"] = "False"
	withTLS := k8sResponse
	withTLS.TLS, withTLS.TLSCA = true, "-----BEGIN CERTIFICATE-----\nexample\n-----END CERTIFICATE-----"

	tests := []struct {
		name      string
		resp      Response
		requested []string
		local     map[string]string
		databag   map[string]string
		secrets   map[SecretGroup]map[string]string
	}{{
		name: "default requested secrets", resp: k8sResponse, requested: DefaultRequestedSecrets(),
		databag: plainPart,
		secrets: map[SecretGroup]map[string]string{GroupUser: user, GroupTLS: {"tls": "False"}},
	}, {
		name: "tls on", resp: withTLS, requested: DefaultRequestedSecrets(),
		databag: plainPart,
		secrets: map[SecretGroup]map[string]string{GroupUser: user, GroupTLS: {"tls": "True", "tls-ca": withTLS.TLSCA}},
	}, {
		name: "legacy requirer: everything plain", resp: k8sResponse,
		databag: allPlain, secrets: map[SecretGroup]map[string]string{},
	}, {
		name: "relation started on plain data stays there", resp: k8sResponse, requested: DefaultRequestedSecrets(),
		local:   map[string]string{"username": "relation_id_7", "database": "x"},
		databag: allPlain, secrets: map[SecretGroup]map[string]string{},
	}, {
		name: "only credentials requested; version in the extra group",
		resp: k8sResponse, requested: []string{"username", "password", "version"},
		databag: map[string]string{
			"database": k8sResponse.Database, "endpoints": k8sResponse.Endpoints,
			"read-only-endpoints": k8sResponse.ReadOnlyEndpoints, "uris": k8sResponse.URIs, "tls": "False",
		},
		secrets: map[SecretGroup]map[string]string{
			GroupUser:  {"username": "relation_id_7", "password": k8sResponse.Password},
			GroupExtra: {"version": "14.15"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := EncodeResponse(tt.resp, tt.requested, tt.local)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got.Databag, tt.databag) {
				t.Errorf("databag\n got %v\nwant %v", got.Databag, tt.databag)
			}
			if !reflect.DeepEqual(got.Secrets, tt.secrets) {
				t.Errorf("secrets\n got %v\nwant %v", got.Secrets, tt.secrets)
			}
			// The requirer reads back what was sent.
			bag := maps.Clone(got.Databag)
			for g := range got.Secrets {
				bag[g.Field()] = "secret:cjqub6vubg2s77p3nio0"
			}
			back, err := DecodeResponse(bag, got.Secrets)
			if err != nil {
				t.Fatal(err)
			}
			if back != tt.resp {
				t.Errorf("round trip\n got %#v\nwant %#v", back, tt.resp)
			}
		})
	}

	for _, tt := range []struct {
		name string
		edit func(*Response)
		key  string
	}{
		{"no database", func(r *Response) { r.Database = "" }, KeyDatabase},
		{"no endpoints", func(r *Response) { r.Endpoints = " , " }, KeyEndpoints},
		{"no username", func(r *Response) { r.Username = "" }, KeyUsername},
		{"no password", func(r *Response) { r.Password = "" }, KeyPassword},
		{"bad read-only endpoint", func(r *Response) { r.ReadOnlyEndpoints = "host:99999" }, KeyReadOnlyEndpoints},
	} {
		r := k8sResponse
		tt.edit(&r)
		_, err := EncodeResponse(r, nil, nil)
		var ke *databag.KeyError
		if !errors.As(err, &ke) || ke.Key != tt.key {
			t.Errorf("%s: err = %v, want a KeyError for %s", tt.name, err, tt.key)
		}
	}
}

func TestDecodeResponse(t *testing.T) {
	t.Parallel()
	// The interface README's provider example (secret URIs in the form
	// Juju 3.1 printed them), with the secrets' content.
	readme := map[string]string{
		"database":            "myappB",
		"endpoints":           "postgresql-k8s-primary:5432",
		"read-only-endpoints": "postgresql-k8s-replicas:5432",
		"secret-user":         "secret://59060ecc-0495-4a80-8006-5f1fc13fd783/cjqub6vubg2s77p3nio0",
		"secret-tls":          "secret://59060ecc-0495-4a80-8006-5f1fc13fd783/cjqub7fubg2s77p3niog",
	}
	readmeSecrets := map[SecretGroup]map[string]string{
		GroupUser: {"username": "relation-14", "password": "alphanum-32byte-random"},
		GroupTLS:  {"tls": "True", "tls-ca": "-----BEGIN CERTIFICATE-----\nexample\n-----END CERTIFICATE-----"},
	}
	legacy := map[string]string{
		"database": "myapp", "endpoints": "10.1.2.3:5432,10.1.2.4:5432", "username": "relation-14",
		"password": "pw", "tls": "False", "version": "14.9", "data": `{"database": "myapp"}`,
	}
	tests := []struct {
		name     string
		bag      map[string]string
		secrets  map[SecretGroup]map[string]string
		want     Response
		errKey   string
		errEmpty bool
	}{{
		name: "interface README", bag: readme, secrets: readmeSecrets,
		want: Response{Database: "myappB", Endpoints: "postgresql-k8s-primary:5432", ReadOnlyEndpoints: "postgresql-k8s-replicas:5432",
			Username: "relation-14", Password: "alphanum-32byte-random", TLS: true, TLSCA: readmeSecrets[GroupTLS]["tls-ca"]},
	}, {
		name: "legacy plain provider", bag: legacy,
		want: Response{Database: "myapp", Endpoints: "10.1.2.3:5432,10.1.2.4:5432", Username: "relation-14", Password: "pw", Version: "14.9"},
	}, {
		name: "requested only credentials: uris stay plain",
		bag: map[string]string{"database": "d", "endpoints": "[fd00::1]:5432", "uris": "postgresql://u@h/d",
			"secret-user": "secret:cjqub6vubg2s77p3nio0", "tls": "true"},
		secrets: map[SecretGroup]map[string]string{GroupUser: {"username": "u", "password": "p"}},
		want:    Response{Database: "d", Endpoints: "[fd00::1]:5432", URIs: "postgresql://u@h/d", Username: "u", Password: "p", TLS: true},
	},
		{name: "no credentials yet", bag: map[string]string{"database": "d", "endpoints": "h:1"}, errKey: KeyUsername, errEmpty: true},
		{name: "endpoints only", bag: map[string]string{"endpoints": "h:1"}, errKey: KeyDatabase, errEmpty: true},
		{name: "tls not a bool", bag: legacy, secrets: map[SecretGroup]map[string]string{GroupTLS: {"tls": "yes"}}, errKey: KeyTLS},
		{name: "endpoint with path", bag: map[string]string{"database": "d", "endpoints": "h:1/x", "username": "u", "password": "p"}, errKey: KeyEndpoints},
		{name: "port zero", bag: map[string]string{"database": "d", "endpoints": "h:0", "username": "u", "password": "p"}, errKey: KeyEndpoints},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeResponse(tt.bag, tt.secrets)
			if tt.errKey != "" {
				wantKeyError(t, err, tt.errKey, tt.errEmpty)
				if err != nil && strings.Contains(err.Error(), "yes") {
					t.Errorf("error quotes a value from a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestCheckEndpoint(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ep string
		ok bool
	}{
		{"postgresql-k8s-primary.ns.svc.cluster.local:5432", true},
		{"10.0.0.1", true},
		{"[fd00::1]:5432", true},
		{"[fd00::1]", true},
		{"::1:5432", false},
		{"h:", false},
		{":5432", false},
		{"h:65536", false},
		{"h:+1", false},
		{"u@h:1", false},
		{"h:1/db", false},
		{"[fd00::1", false},
		{"[]:1", false},
		{"[::1]x", false},
		{"h h:1", false},
		{"h%41:1", false},
	} {
		if err := checkEndpoint(tt.ep); (err == nil) != tt.ok {
			t.Errorf("checkEndpoint(%q) = %v, want ok=%v", tt.ep, err, tt.ok)
		}
	}
}

func TestSnapshot(t *testing.T) {
	t.Parallel()
	app, _, err := EncodeRequest(Request{Database: "test-model_hydra", ExtraUserRoles: []string{"SUPERUSER"}})
	if err != nil {
		t.Fatal(err)
	}
	app["data"] = "{}"
	app["zé"] = "ü😀"
	got, err := Snapshot(app)
	if err != nil {
		t.Fatal(err)
	}
	// json.dumps of the dict without "data", keys in Juju's (sorted)
	// order, printed by CPython 3.11.
	want := `{"database": "test-model_hydra", "extra-user-roles": "SUPERUSER", "provided-secrets": "[\"mtls-cert\"]", ` +
		`"requested-secrets": "[\"username\", \"password\", \"tls\", \"tls-ca\", \"uris\", \"read-only-uris\", \"entity-name\", \"entity-password\"]", ` +
		`"z\u00e9": "\u00fc\ud83d\ude00"}`
	if got != want {
		t.Errorf("Snapshot =\n%s\nwant\n%s", got, want)
	}
	if s, _ := Snapshot(nil); s != "{}" {
		t.Errorf("Snapshot(nil) = %s", s)
	}
}

func TestGroups(t *testing.T) {
	t.Parallel()
	for f, g := range map[string]SecretGroup{
		"username": GroupUser, "password": GroupUser, "uris": GroupUser, "read-only-uris": GroupUser,
		"tls": GroupTLS, "tls-ca": GroupTLS, "mtls-cert": GroupMTLS, "entity-name": GroupEntity,
		"entity-password": GroupEntity, "version": GroupExtra, "endpoints": GroupExtra,
	} {
		if got := GroupOf(f); got != g {
			t.Errorf("GroupOf(%s) = %s, want %s", f, got, g)
		}
	}
	if got := SecretLabel("database", 12, GroupUser); got != "database.12.user.secret" {
		t.Errorf("SecretLabel = %s", got)
	}
	if GroupTLS.Field() != "secret-tls" {
		t.Errorf("Field = %s", GroupTLS.Field())
	}
	if !reflect.DeepEqual(Groups(), []SecretGroup{"user", "tls", "mtls", "entity", "extra"}) {
		t.Errorf("Groups = %v", Groups())
	}
}

func TestCredentialsDSN(t *testing.T) {
	t.Parallel()
	cr := Credentials{
		Database:  "test-model_hydra",
		Endpoints: []string{"postgresql-k8s-primary.test-model.svc.cluster.local:5432", "other:5432"},
		Username:  "relation_id_7",
		Password:  "p@ss:w/rd?#%",
	}
	dsn, err := cr.DSN()
	if err != nil {
		t.Fatal(err)
	}
	const want = "postgres://relation_id_7:p%40ss%3Aw%2Frd%3F%23%25@postgresql-k8s-primary.test-model.svc.cluster.local:5432/test-model_hydra"
	if dsn != want {
		t.Errorf("DSN = %s\nwant %s", dsn, want)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if pw, _ := u.User.Password(); pw != cr.Password || u.User.Username() != cr.Username || u.Path != "/"+cr.Database {
		t.Errorf("DSN does not parse back: %+v", u)
	}
	odd := cr
	odd.Database = "my db?"
	if dsn, _ := odd.DSN(); !strings.HasSuffix(dsn, "/my%20db%3F") {
		t.Errorf("database not escaped: %s", dsn)
	}
	odd.Database = "app*"
	if _, err := odd.DSN(); err == nil {
		t.Error("a prefix answer made a DSN")
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, cr); strings.Contains(s, "p@ss") {
			t.Errorf("%s prints the password: %s", format, s)
		}
		if s := fmt.Sprintf(format, k8sResponse); strings.Contains(s, "Pa55") {
			t.Errorf("%s prints the password: %s", format, s)
		}
	}
}

func BenchmarkRoundTripRequest(b *testing.B) {
	req := Request{Database: "test-model_hydra", ExtraUserRoles: []string{"SUPERUSER"}}
	for b.Loop() {
		app, _, err := EncodeRequest(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := DecodeRequest(app); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRoundTripResponse(b *testing.B) {
	requested := DefaultRequestedSecrets()
	for b.Loop() {
		enc, err := EncodeResponse(k8sResponse, requested, nil)
		if err != nil {
			b.Fatal(err)
		}
		bag := maps.Clone(enc.Databag)
		for g := range enc.Secrets {
			bag[g.Field()] = "secret:cjqub6vubg2s77p3nio0"
		}
		if _, err := DecodeResponse(bag, enc.Secrets); err != nil {
			b.Fatal(err)
		}
		if _, err := Snapshot(bag); err != nil {
			b.Fatal(err)
		}
	}
}
