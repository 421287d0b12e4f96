package ingress

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
	"github.com/identity-platform-go/charms/internal/interfaces/databag/databagtest"
)

// Golden values below are what the reference library writes; the JSON
// ones were checked with CPython 3.11's json.dumps, the YAML ones with
// PyYAML 6.0's safe_dump.

func TestEncodeRequirerAppGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   RequirerApp
		want map[string]string
	}{{
		name: "hydra public-ingress in the bundle (strip_prefix=True, scheme defaulted)",
		in:   RequirerApp{Model: "iam", Name: "hydra", Port: 4444, StripPrefix: true},
		want: map[string]string{"model": `"iam"`, "name": `"hydra"`, "port": `4444`, "strip-prefix": `true`},
	}, {
		name: "traefik tests/unit/test_ingress_lib.py test_round_trip_app_data",
		in:   RequirerApp{Model: "coslite", Name: "foo", Port: 10, StripPrefix: true, RedirectHTTPS: true, Scheme: "http"},
		want: map[string]string{"model": `"coslite"`, "name": `"foo"`, "port": `10`, "strip-prefix": `true`, "redirect-https": `true`},
	}, {
		name: "every default left out",
		in:   RequirerApp{Model: "m", Name: "n", Port: 8080},
		want: map[string]string{"model": `"m"`, "name": `"n"`, "port": `8080`},
	}, {
		name: "scheme https, port open, health check without its defaults",
		in: RequirerApp{Model: "iam", Name: "kratos", Port: 4433, Scheme: "https", IsPortOpen: true,
			HealthCheck: &HealthCheck{Path: "/health/ready", Hostname: "hydra.local", Port: 4445, Interval: "10s", Timeout: "5s"}},
		want: map[string]string{"model": `"iam"`, "name": `"kratos"`, "port": `4433`, "scheme": `"https"`, "is_port_open": `true`,
			"healthcheck_params": `{"path": "/health/ready", "hostname": "hydra.local", "port": 4445, "interval": "10s"}`},
	}, {
		name: "h2c, health check with only a path",
		in:   RequirerApp{Model: "m", Name: "n", Port: 9000, Scheme: "h2c", HealthCheck: &HealthCheck{Path: "/api/health", Interval: "30s"}},
		want: map[string]string{"model": `"m"`, "name": `"n"`, "port": `9000`, "scheme": `"h2c"`, "healthcheck_params": `{"path": "/api/health"}`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := EncodeRequirerApp(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("EncodeRequirerApp =\n%v\nwant\n%v", got, tt.want)
			}
			back, err := DecodeRequirerApp(got)
			if err != nil {
				t.Fatalf("decoding our own bag: %v", err)
			}
			again, _ := EncodeRequirerApp(back)
			if !maps.Equal(again, got) {
				t.Errorf("round trip changed the bag: %v", again)
			}
		})
	}
}

func TestEncodeRequirerAppRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   RequirerApp
		key  string
	}{
		{"port 0", RequirerApp{Model: "m", Name: "n"}, KeyPort},
		{"port 65535 (the library's bound is exclusive)", RequirerApp{Model: "m", Name: "n", Port: 65535}, KeyPort},
		{"scheme ftp", RequirerApp{Model: "m", Name: "n", Port: 1, Scheme: "ftp"}, KeyScheme},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := EncodeRequirerApp(tt.in)
			assertKeyError(t, err, tt.key)
		})
	}
}

func TestDecodeRequirerApp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		bag  map[string]string
		want RequirerApp
	}{{
		name: "interfaces/ingress/v2/README.md example",
		bag:  map[string]string{"name": `"app_name"`, "model": `"model_name"`, "port": `4242`},
		want: RequirerApp{Model: "model_name", Name: "app_name", Port: 4242, Scheme: "http"},
	}, {
		name: "v2 interface_tests test_data_published_on_changed_remote_valid",
		bag:  map[string]string{"model": `"bar"`, "port": `42`, "name": `"remote"`},
		want: RequirerApp{Model: "bar", Name: "remote", Port: 42, Scheme: "http"},
	}, {
		name: "the bundle's forms: model '\"iam\"', port '4444', strip-prefix 'true'",
		bag:  map[string]string{"model": `"iam"`, "name": `"hydra"`, "port": `4444`, "strip-prefix": `true`, "redirect-https": `false`},
		want: RequirerApp{Model: "iam", Name: "hydra", Port: 4444, Scheme: "http", StripPrefix: true},
	}, {
		name: "unknown keys, field names instead of aliases and Juju's keys are ignored",
		bag: map[string]string{"model": `"m"`, "name": `"n"`, "port": `1`, "strip_prefix": `not json`,
			"host": `10.0.0.1`, "egress-subnets": "10.0.0.1/32", "mode": `"tcp"`},
		want: RequirerApp{Model: "m", Name: "n", Port: 1, Scheme: "http"},
	}, {
		name: "pydantic lax booleans and Optional nulls",
		bag: map[string]string{"model": `"m"`, "name": `"n"`, "port": `1`, "is_port_open": `1`,
			"strip-prefix": `"Yes"`, "redirect-https": `null`, "healthcheck_params": `null`},
		want: RequirerApp{Model: "m", Name: "n", Port: 1, Scheme: "http", IsPortOpen: true, StripPrefix: true},
	}, {
		name: "health check: defaults filled in, lax port, unknown keys ignored",
		bag: map[string]string{"model": `"m"`, "name": `"n"`, "port": `1`, "scheme": `"https"`,
			"healthcheck_params": `{"path": "/ready", "port": "8080", "scheme": null, "x": 1}`},
		want: RequirerApp{Model: "m", Name: "n", Port: 1, Scheme: "https",
			HealthCheck: &HealthCheck{Path: "/ready", Port: 8080, Interval: "30s", Timeout: "5s"}},
	}, {
		name: "empty model and name pass, as in pydantic",
		bag:  map[string]string{"model": `""`, "name": `""`, "port": ` 65534 `},
		want: RequirerApp{Port: 65534, Scheme: "http"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeRequirerApp(tt.bag)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DecodeRequirerApp = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeRequirerAppRejects(t *testing.T) {
	t.Parallel()
	base := map[string]string{"model": `"m"`, "name": `"n"`, "port": `80`}
	with := func(kv ...string) map[string]string {
		b := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(b, kv[i])
			} else {
				b[kv[i]] = kv[i+1]
			}
		}
		return b
	}
	tests := []struct {
		name     string
		bag      map[string]string
		key      string
		missing  bool
		noSecret string
	}{
		{"empty databag", nil, KeyModel, true, ""},
		{"v2 interface_tests invalid JSON: model 'bar'", map[string]string{"model": "bar", "port": "42", "name": "true"}, KeyModel, false, ""},
		{"name is JSON but not a string", with("name", `true`), KeyName, false, ""},
		{"model null", with("model", `null`), KeyModel, false, ""},
		{"no port", with("port", ""), KeyPort, true, ""},
		{"port as a JSON string", with("port", `"80"`), KeyPort, false, ""},
		{"port as a float", with("port", `80.0`), KeyPort, false, ""},
		{"port as a boolean", with("port", `true`), KeyPort, false, ""},
		{"port 0", with("port", `0`), KeyPort, false, ""},
		{"port 65535", with("port", `65535`), KeyPort, false, ""},
		{"port huge", with("port", `123456789012345678901234567890`), KeyPort, false, ""},
		{"scheme ftp", with("scheme", `"ftp"`), KeyScheme, false, ""},
		{"scheme null (not in the validator's set)", with("scheme", `null`), KeyScheme, false, ""},
		{"scheme not JSON", with("scheme", `https`), KeyScheme, false, ""},
		{"is_port_open null (not Optional)", with("is_port_open", `null`), KeyIsPortOpen, false, ""},
		{"strip-prefix maybe", with("strip-prefix", `"maybe"`), KeyStripPrefix, false, ""},
		{"redirect-https 2", with("redirect-https", `2`), KeyRedirectHTTPS, false, ""},
		{"health check without path", with("healthcheck_params", `{"port": 1}`), KeyHealthcheck, false, ""},
		{"health check a list", with("healthcheck_params", `[]`), KeyHealthcheck, false, ""},
		{"health check port not a number", with("healthcheck_params", `{"path": "/", "port": "x"}`), KeyHealthcheck, false, ""},
		{"long bad value is cut in the message", with("model", strings.Repeat("s3cr3t", 20)), KeyModel, false, strings.Repeat("s3cr3t", 20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodeRequirerApp(tt.bag)
			assertKeyError(t, err, tt.key)
			if tt.missing != errors.Is(err, databag.ErrMissing) {
				t.Errorf("errors.Is(ErrMissing) = %v, want %v", !tt.missing, tt.missing)
			}
			if tt.noSecret != "" && strings.Contains(err.Error(), tt.noSecret) {
				t.Errorf("error quotes the whole value: %v", err)
			}
		})
	}
}

func TestRequirerUnit(t *testing.T) {
	t.Parallel()
	golden := []struct {
		name string
		in   RequirerUnit
		want map[string]string
	}{
		{"pod FQDN and binding address", RequirerUnit{Host: "hydra-0.hydra-endpoints.iam.svc.cluster.local", IP: "10.1.157.92"},
			map[string]string{"host": `"hydra-0.hydra-endpoints.iam.svc.cluster.local"`, "ip": `"10.1.157.92"`}},
		{"no ip: left out (exclude_defaults)", RequirerUnit{Host: "h"}, map[string]string{"host": `"h"`}},
		{"IPv6, non-ASCII host escaped as json.dumps does", RequirerUnit{Host: "hôst", IP: "fd00::1"},
			map[string]string{"host": `"h\u00f4st"`, "ip": `"fd00::1"`}},
	}
	for _, tt := range golden {
		t.Run("encode "+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := EncodeRequirerUnit(tt.in)
			if err != nil || !maps.Equal(got, tt.want) {
				t.Errorf("EncodeRequirerUnit = %v, %v; want %v", got, err, tt.want)
			}
			back, err := DecodeRequirerUnit(got)
			if err != nil || back != tt.in {
				t.Errorf("round trip = %+v, %v", back, err)
			}
		})
	}
	decodes := []struct {
		name string
		bag  map[string]string
		want RequirerUnit
		key  string // error key, "" for success
	}{
		{"v2 README example", map[string]string{"host": `"hostname"`}, RequirerUnit{Host: "hostname"}, ""},
		{"interface_tests valid unit", map[string]string{"host": `"0.0.0.42"`}, RequirerUnit{Host: "0.0.0.42"}, ""},
		{"ip null (Optional)", map[string]string{"host": `"h"`, "ip": `null`}, RequirerUnit{Host: "h"}, ""},
		{"IPv6 with a scope, as Python's IPv6Address takes", map[string]string{"host": `"h"`, "ip": `"fe80::1%eth0"`}, RequirerUnit{Host: "h", IP: "fe80::1%eth0"}, ""},
		{"Juju's own keys ignored", map[string]string{"host": `"h"`, "ingress-address": "10.1.0.1", "private-address": "10.1.0.1"}, RequirerUnit{Host: "h"}, ""},
		{"interface_tests invalid JSON: host '0.0.0.42'", map[string]string{"host": "0.0.0.42"}, RequirerUnit{}, KeyHost},
		{"interface_tests missing host", map[string]string{"bubble": "blabla"}, RequirerUnit{}, KeyHost},
		{"host null", map[string]string{"host": `null`}, RequirerUnit{}, KeyHost},
		{"ip not an address", map[string]string{"host": `"h"`, "ip": `"not-an-ip"`}, RequirerUnit{}, KeyIP},
		{"ip with leading zeros (Python refuses)", map[string]string{"host": `"h"`, "ip": `"01.2.3.4"`}, RequirerUnit{}, KeyIP},
		{"ip a number", map[string]string{"host": `"h"`, "ip": `10`}, RequirerUnit{}, KeyIP},
	}
	for _, tt := range decodes {
		t.Run("decode "+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeRequirerUnit(tt.bag)
			if tt.key != "" {
				assertKeyError(t, err, tt.key)
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("DecodeRequirerUnit = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	if _, err := EncodeRequirerUnit(RequirerUnit{Host: "h", IP: "10.0.0.256"}); err == nil {
		t.Error("EncodeRequirerUnit took an invalid ip")
	}
}

func TestProviderApp(t *testing.T) {
	t.Parallel()
	encodes := []struct {
		name, url, want string
	}{
		{"path mode", "https://10.64.140.43/iam-hydra", `{"url": "https://10.64.140.43/iam-hydra"}`},
		{"subdomain mode", "http://iam-login-ui.id.example.com/", `{"url": "http://iam-login-ui.id.example.com/"}`},
		{"AnyHttpUrl adds the root path (test_proxied_endpoints_partial_readiness)", "http://ready-app.com", `{"url": "http://ready-app.com/"}`},
		{"default port dropped, host lower-cased", "HTTP://Foo.Bar:80/model_name-app_name/0", `{"url": "http://foo.bar/model_name-app_name/0"}`},
	}
	for _, tt := range encodes {
		t.Run("encode "+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := EncodeProviderApp(ProviderApp{URL: tt.url})
			if err != nil || !maps.Equal(got, map[string]string{"ingress": tt.want}) {
				t.Errorf("EncodeProviderApp = %v, %v; want ingress=%s", got, err, tt.want)
			}
		})
	}
	decodes := []struct {
		name string
		bag  map[string]string
		want string
		key  string
		miss bool
	}{
		{"v2 README example", map[string]string{"ingress": `{"url": "http://foo.bar:80/model_name-app_name/0"}`}, "http://foo.bar/model_name-app_name/0", "", false},
		{"compact JSON and unknown keys", map[string]string{"ingress": `{"url":"https://x.example/iam-kratos","foo":1}`, "other": "x"}, "https://x.example/iam-kratos", "", false},
		{"nothing yet", map[string]string{}, "", KeyIngress, true},
		{"ingress null: published empty", map[string]string{"ingress": "null"}, "", KeyIngress, true},
		{"v1 YAML is not v2", map[string]string{"ingress": "url: http://foo/\n"}, "", KeyIngress, false},
		{"no url", map[string]string{"ingress": `{}`}, "", KeyIngress, false},
		{"url not http", map[string]string{"ingress": `{"url": "ftp://foo/"}`}, "", KeyIngress, false},
		{"url without host", map[string]string{"ingress": `{"url": "http://:80/x"}`}, "", KeyIngress, false},
		{"url a number", map[string]string{"ingress": `{"url": 1}`}, "", KeyIngress, false},
	}
	for _, tt := range decodes {
		t.Run("decode "+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeProviderApp(tt.bag)
			if tt.key != "" {
				assertKeyError(t, err, tt.key)
				if errors.Is(err, databag.ErrMissing) != tt.miss {
					t.Errorf("ErrMissing = %v, want %v", !tt.miss, tt.miss)
				}
				return
			}
			if err != nil || got.URL != tt.want {
				t.Errorf("DecodeProviderApp = %+v, %v; want %s", got, err, tt.want)
			}
		})
	}
	if _, err := EncodeProviderApp(ProviderApp{URL: "10.0.0.1/x"}); err == nil {
		t.Error("EncodeProviderApp took a URL without scheme")
	}
}

func TestV1(t *testing.T) {
	t.Parallel()
	t.Run("requirer golden, as the v1 library writes it", func(t *testing.T) {
		t.Parallel()
		in := RequirerAppV1{Model: "test-model", Name: "remote", Host: "remote-0.remote-endpoints.test-model.svc.cluster.local", Port: 4242, StripPrefix: true}
		want := map[string]string{"model": "test-model", "name": "remote", "host": "remote-0.remote-endpoints.test-model.svc.cluster.local", "port": "4242", "strip-prefix": "true"}
		got, err := EncodeRequirerAppV1(in)
		if err != nil || !maps.Equal(got, want) {
			t.Fatalf("EncodeRequirerAppV1 = %v, %v; want %v", got, err, want)
		}
		back, err := DecodeRequirerAppV1(got)
		if err != nil || back != in {
			t.Errorf("round trip = %+v, %v", back, err)
		}
	})
	decodes := []struct {
		name string
		bag  map[string]string
		want RequirerAppV1
		key  string
	}{
		{"v1 README example", map[string]string{"name": "unit-name", "host": "hostname", "port": "4242", "model": "model-name"},
			RequirerAppV1{Model: "model-name", Name: "unit-name", Host: "hostname", Port: 4242}, ""},
		{"traefik test_proxied_endpoints v1 data (unit name, mode ignored)", map[string]string{"port": "80", "host": "1.1.1.1", "model": "test-model", "name": "remote/0", "mode": "http"},
			RequirerAppV1{Model: "test-model", Name: "remote/0", Host: "1.1.1.1", Port: 80}, ""},
		{"v1 interface_tests valid data: JSON-looking strings taken verbatim", map[string]string{"host": `"0.0.0.42"`, "model": `"bar"`, "name": `"remote/0"`, "port": "42"},
			RequirerAppV1{Model: `"bar"`, Name: `"remote/0"`, Host: `"0.0.0.42"`, Port: 42}, ""},
		{"flags only when exactly 'true'", map[string]string{"model": "m", "name": "n", "host": "h", "port": " +8080 ", "strip-prefix": "True", "redirect-https": "true"},
			RequirerAppV1{Model: "m", Name: "n", Host: "h", Port: 8080, RedirectHTTPS: true}, ""},
		{"v1 interface_tests invalid data", map[string]string{"host": "0.0.0.42", "bubble": "10", "rubble": "foo"}, RequirerAppV1{}, KeyModel},
		{"no host", map[string]string{"model": "m", "name": "n", "port": "1"}, RequirerAppV1{}, KeyHost},
		{"port not a number (the library crashes on int())", map[string]string{"model": "m", "name": "n", "host": "h", "port": "http"}, RequirerAppV1{}, KeyPort},
		{"port out of range", map[string]string{"model": "m", "name": "n", "host": "h", "port": "70000"}, RequirerAppV1{}, KeyPort},
	}
	for _, tt := range decodes {
		t.Run("decode "+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeRequirerAppV1(tt.bag)
			if tt.key != "" {
				assertKeyError(t, err, tt.key)
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("DecodeRequirerAppV1 = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	providers := []struct {
		name, url, want string
	}{
		{"plain scalar", "http://10.64.140.43/test-model-remote", "url: http://10.64.140.43/test-model-remote\n"},
		{"traefik test_ingress_per_app_v1_upgrade_v2: quotes stay plain", `http://10.206.54.240/"openstack"-"keystone"`, "url: http://10.206.54.240/\"openstack\"-\"keystone\"\n"},
		{"v1 is not normalized", "http://foo.bar:80", "url: http://foo.bar:80\n"},
		{"a trailing colon makes PyYAML single-quote", "http://h/a'b:", "url: 'http://h/a''b:'\n"},
	}
	for _, tt := range providers {
		t.Run("provider "+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := EncodeProviderAppV1(ProviderApp{URL: tt.url})
			if err != nil || !maps.Equal(got, map[string]string{"ingress": tt.want}) {
				t.Fatalf("EncodeProviderAppV1 = %q, %v; want %q", got, err, tt.want)
			}
			back, err := DecodeProviderAppV1(got)
			if err != nil || back.URL != tt.url {
				t.Errorf("DecodeProviderAppV1 = %+v, %v", back, err)
			}
		})
	}
	for _, bad := range []string{"http://h/a b", "http://h/é", "ftp://h/"} {
		_, err := EncodeProviderAppV1(ProviderApp{URL: bad})
		assertKeyError(t, err, KeyIngress)
	}
	for _, bad := range []map[string]string{{}, {"ingress": "url: [1]\n"}, {"ingress": ": :"}, {"ingress": "url: ftp://x\n"}} {
		_, err := DecodeProviderAppV1(bad)
		assertKeyError(t, err, KeyIngress)
	}
}

func TestDecodeRequest(t *testing.T) {
	t.Parallel()
	v2app := map[string]string{"model": `"iam"`, "name": `"hydra"`, "port": `4444`, "strip-prefix": `true`}
	unit := func(host string) map[string]string { return map[string]string{"host": `"` + host + `"`} }
	tests := []struct {
		name    string
		app     map[string]string
		units   map[string]map[string]string
		version int
		want    IngressRequest // Version, App, Units when ready
		errKey  string         // when not ready
		errUnit string         // the unit named in the error
	}{{
		name:    "v2, units sorted by number",
		app:     v2app,
		units:   map[string]map[string]string{"hydra/10": unit("h10"), "hydra/2": unit("h2"), "hydra/0": unit("h0")},
		version: V2,
		want: IngressRequest{App: RequirerApp{Model: "iam", Name: "hydra", Port: 4444, Scheme: "http", StripPrefix: true},
			Units: []RequirerUnit{{Host: "h0"}, {Host: "h2"}, {Host: "h10"}}},
	}, {
		name:    "v2 with no unit joined is ready, as in the library",
		app:     map[string]string{"model": `"bar"`, "port": `42`, "name": `"remote"`},
		version: V2,
		want:    IngressRequest{App: RequirerApp{Model: "bar", Name: "remote", Port: 42, Scheme: "http"}, Units: []RequirerUnit{}},
	}, {
		name:    "v2 interface_tests: a unit without host is not ready",
		app:     map[string]string{"model": `"bar"`, "port": `42`, "name": `"true"`},
		units:   map[string]map[string]string{"remote/0": {"bubble": "blabla"}},
		version: V2,
		errKey:  KeyHost, errUnit: "remote/0",
	}, {
		name:    "v2 interface_tests: invalid JSON is neither v2 nor v1",
		app:     map[string]string{"model": "bar", "port": "42", "name": "true"},
		units:   map[string]map[string]string{"remote/0": {"host": "0.0.0.42"}},
		version: V1,
		errKey:  KeyHost,
	}, {
		name:    "v1 (Traefik's fallback): one server, the leader's host",
		app:     map[string]string{"model": "iam", "name": "legacy", "host": "10.1.0.5", "port": "8080", "strip-prefix": "true"},
		units:   map[string]map[string]string{"legacy/0": {}, "legacy/1": {}},
		version: V1,
		want: IngressRequest{App: RequirerApp{Model: "iam", Name: "legacy", Port: 8080, Scheme: "http", StripPrefix: true},
			Units: []RequirerUnit{{Host: "10.1.0.5"}}},
	}, {
		name:    "v1 interface_tests valid data: JSON values, empty unit databag → v1",
		app:     map[string]string{"host": `"0.0.0.42"`, "model": `"bar"`, "name": `"remote/0"`, "port": "42"},
		units:   map[string]map[string]string{"remote/0": {}},
		version: V1,
		want:    IngressRequest{App: RequirerApp{Model: `"bar"`, Name: `"remote/0"`, Port: 42, Scheme: "http"}, Units: []RequirerUnit{{Host: `"0.0.0.42"`}}},
	}, {
		name:    "v1 interface_tests invalid data",
		app:     map[string]string{"host": "0.0.0.42", "bubble": "10", "rubble": "foo"},
		version: V1,
		errKey:  KeyModel,
	}, {
		name:    "nothing yet: v2, model missing",
		version: V2,
		errKey:  KeyModel,
	}, {
		name:    "v2 port out of range stays a v2 error",
		app:     map[string]string{"model": `"iam"`, "name": `"hydra"`, "port": `70000`},
		version: V2,
		errKey:  KeyPort,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := DecodeRequest(tt.app, tt.units)
			if got.Version != tt.version || DetectVersion(tt.app, tt.units) != tt.version {
				t.Errorf("Version = %d, want %d", got.Version, tt.version)
			}
			if tt.errKey != "" {
				assertKeyError(t, got.Err, tt.errKey)
				if tt.errUnit != "" && !strings.Contains(got.Err.Error(), "unit "+tt.errUnit) {
					t.Errorf("error %q does not name unit %s", got.Err, tt.errUnit)
				}
				return
			}
			if got.Err != nil {
				t.Fatal(got.Err)
			}
			if !reflect.DeepEqual(got.App, tt.want.App) || !reflect.DeepEqual(got.Units, tt.want.Units) {
				t.Errorf("DecodeRequest = %+v / %+v, want %+v / %+v", got.App, got.Units, tt.want.App, tt.want.Units)
			}
		})
	}
}

func assertKeyError(t *testing.T, err error, key string) {
	t.Helper()
	var ke *databag.KeyError
	if !errors.As(err, &ke) {
		t.Fatalf("error %v is not a *databag.KeyError", err)
	}
	if ke.Key != key {
		t.Errorf("error names key %q, want %q (%v)", ke.Key, key, err)
	}
}

// ---- fuzzing ----

func seedApps(f *testing.F) {
	for _, a := range []RequirerApp{
		{Model: "iam", Name: "hydra", Port: 4444, StripPrefix: true},
		{Model: "m", Name: "n", Port: 1, Scheme: "h2c", IsPortOpen: true, RedirectHTTPS: true,
			HealthCheck: &HealthCheck{Path: "/", Scheme: "https", Hostname: "h", Port: 9, Interval: "1s", Timeout: "2s"}},
	} {
		bag, _ := EncodeRequirerApp(a)
		f.Add(databagtest.Seed(bag))
	}
	f.Add(databagtest.Seed(map[string]string{"model": "bar", "port": "42", "name": "true"}))
	f.Add(databagtest.Seed(map[string]string{"model": `"m"`, "name": `"n"`, "port": `1`, "is_port_open": `"on"`, "healthcheck_params": `{"path": "/", "port": 1.0}`}))
}

func FuzzDecodeRequirerApp(f *testing.F) {
	seedApps(f)
	f.Fuzz(func(t *testing.T, s string) {
		a, err := DecodeRequirerApp(databagtest.Bag(s))
		if err != nil {
			databagtest.CheckKeyError(t, err, requirerAppKeys)
			return
		}
		bag, err := EncodeRequirerApp(a)
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", a, err)
		}
		back, err := DecodeRequirerApp(bag)
		if err != nil || !reflect.DeepEqual(back, a) {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, a)
		}
	})
}

func FuzzDecodeRequirerUnit(f *testing.F) {
	f.Add(databagtest.Seed(map[string]string{"host": `"h"`, "ip": `"10.0.0.1"`}))
	f.Add(databagtest.Seed(map[string]string{"host": `"h\u00f4st"`, "ip": `"fe80::1%eth0"`, "ingress-address": "x"}))
	f.Add(databagtest.Seed(map[string]string{"bubble": "blabla"}))
	f.Fuzz(func(t *testing.T, s string) {
		u, err := DecodeRequirerUnit(databagtest.Bag(s))
		if err != nil {
			databagtest.CheckKeyError(t, err, requirerUnitKeys)
			return
		}
		bag, err := EncodeRequirerUnit(u)
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", u, err)
		}
		if back, err := DecodeRequirerUnit(bag); err != nil || back != u {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, u)
		}
	})
}

func FuzzDecodeProviderApp(f *testing.F) {
	f.Add(databagtest.Seed(map[string]string{"ingress": `{"url": "https://10.64.140.43/iam-hydra"}`}))
	f.Add(databagtest.Seed(map[string]string{"ingress": `{"url": "HTTP://[::1]:80/a/../b?c d#e"}`}))
	f.Add(databagtest.Seed(map[string]string{"ingress": `null`}))
	f.Fuzz(func(t *testing.T, s string) {
		p, err := DecodeProviderApp(databagtest.Bag(s))
		if err != nil {
			databagtest.CheckKeyError(t, err, []string{KeyIngress})
			return
		}
		bag, err := EncodeProviderApp(p)
		if err != nil {
			t.Fatalf("re-encoding %q: %v", p.URL, err)
		}
		if back, err := DecodeProviderApp(bag); err != nil || back != p {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, p)
		}
	})
}

func FuzzDecodeRequirerAppV1(f *testing.F) {
	bag, _ := EncodeRequirerAppV1(RequirerAppV1{Model: "m", Name: "n", Host: "h", Port: 80, StripPrefix: true, RedirectHTTPS: true})
	f.Add(databagtest.Seed(bag))
	f.Add(databagtest.Seed(map[string]string{"host": `"0.0.0.42"`, "model": `"bar"`, "name": `"remote/0"`, "port": "42"}))
	f.Fuzz(func(t *testing.T, s string) {
		a, err := DecodeRequirerAppV1(databagtest.Bag(s))
		if err != nil {
			databagtest.CheckKeyError(t, err, requirerAppKeysV1)
			return
		}
		bag, err := EncodeRequirerAppV1(a)
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", a, err)
		}
		if back, err := DecodeRequirerAppV1(bag); err != nil || back != a {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, a)
		}
	})
}

func FuzzDecodeProviderAppV1(f *testing.F) {
	f.Add("url: http://10.206.54.240/\"openstack\"-\"keystone\"\n")
	f.Add("url: 'http://h/a:'\n")
	f.Add(`{"url": "http://json.is/yaml"}`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := DecodeProviderAppV1(map[string]string{KeyIngress: s})
		if err != nil {
			databagtest.CheckKeyError(t, err, []string{KeyIngress})
			return
		}
		bag, err := EncodeProviderAppV1(p)
		if err != nil {
			return // valid YAML with a URL PyYAML would quote otherwise: not ours to write
		}
		if back, err := DecodeProviderAppV1(bag); err != nil || back != p {
			t.Fatalf("round trip of %q: %+v, %v", bag[KeyIngress], back, err)
		}
	})
}

func FuzzDecodeRequest(f *testing.F) {
	seedApps(f)
	f.Add(databagtest.Seed(map[string]string{"model": "iam", "name": "legacy", "host": "10.1.0.5", "port": "8080"}))
	f.Fuzz(func(t *testing.T, s string) {
		app, units := map[string]string{}, map[string]map[string]string{}
		// Pairs whose key starts with "u<n>." go to unit n's databag.
		for k, v := range databagtest.Bag(s) {
			if rest, ok := strings.CutPrefix(k, "u"); ok && len(rest) > 1 && rest[0] >= '0' && rest[0] <= '9' && rest[1] == '.' {
				name := "app/" + rest[:1]
				if units[name] == nil {
					units[name] = map[string]string{}
				}
				units[name][rest[2:]] = v
				continue
			}
			app[k] = v
		}
		r := DecodeRequest(app, units)
		if r.Version != V1 && r.Version != V2 {
			t.Fatalf("version %d", r.Version)
		}
		if r.Err != nil {
			databagtest.CheckKeyError(t, r.Err, slices.Concat(requirerAppKeys, requirerUnitKeys, requirerAppKeysV1))
			return
		}
		if r.Version == V2 && len(r.Units) != len(units) {
			t.Fatalf("v2 request with %d units from %d databags", len(r.Units), len(units))
		}
	})
}

func FuzzNormalizeURL(f *testing.F) {
	for _, tt := range normalizeTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := NormalizeURL(s)
		if err != nil {
			return
		}
		again, err := NormalizeURL(u)
		if err != nil || again != u {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, u, again, err)
		}
		for i := 0; i < len(u); i++ {
			if u[i] <= ' ' || u[i] >= 0x7f {
				t.Fatalf("normalized %q holds byte %#x", u, u[i])
			}
		}
	})
}

// ---- benchmark ----

func BenchmarkRoundTrip(b *testing.B) {
	app := RequirerApp{Model: "iam", Name: "hydra", Port: 4444, StripPrefix: true,
		HealthCheck: &HealthCheck{Path: "/health/ready", Interval: "10s"}}
	unit := RequirerUnit{Host: "hydra-0.hydra-endpoints.iam.svc.cluster.local", IP: "10.1.157.92"}
	prov := ProviderApp{URL: "https://10.64.140.43/iam-hydra"}
	b.Run("requirer-app", func(b *testing.B) {
		for b.Loop() {
			bag, err := EncodeRequirerApp(app)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := DecodeRequirerApp(bag); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("requirer-unit", func(b *testing.B) {
		for b.Loop() {
			bag, _ := EncodeRequirerUnit(unit)
			if _, err := DecodeRequirerUnit(bag); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("provider-app", func(b *testing.B) {
		for b.Loop() {
			bag, _ := EncodeProviderApp(prov)
			if _, err := DecodeProviderApp(bag); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("request-3-units", func(b *testing.B) {
		appBag, _ := EncodeRequirerApp(app)
		units := map[string]map[string]string{}
		for _, n := range []string{"hydra/0", "hydra/1", "hydra/2"} {
			units[n], _ = EncodeRequirerUnit(unit)
		}
		for b.Loop() {
			if r := DecodeRequest(appBag, units); r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	})
}
