package plan

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseRunArgs(t *testing.T) {
	t.Parallel()
	type m = map[string]any
	tests := []struct {
		name       string
		args       []string
		paramsYAML string
		stringArgs bool
		units      []string
		action     string
		params     map[string]any
		err        string
	}{
		{name: "one unit", args: []string{"db/0", "backup", "target=/tmp/x"},
			units: []string{"db/0"}, action: "backup", params: m{"target": "/tmp/x"}},
		{name: "leader and several units", args: []string{"db/leader", "db/12", "snapshot"},
			units: []string{"db/leader", "db/12"}, action: "snapshot", params: m{}},
		{name: "YAML-typed values", args: []string{"db/0", "backup", "level=5", "compress=false", "ratio=0.5", "none=null", "empty=", "hex=0x10", "word=yes"},
			units: []string{"db/0"}, action: "backup",
			params: m{"level": 5.0, "compress": false, "ratio": 0.5, "none": nil, "empty": "", "hex": 16.0, "word": true}},
		{name: "Juju's float rule", args: []string{"db/0", "backup", "a=1e5", "b=1.", "c=1.5e+3", "d=-.5", "e=[1e5, 2]"},
			units: []string{"db/0"}, action: "backup",
			params: m{"a": "1e5", "b": "1.", "c": 1500.0, "d": -0.5, "e": []any{"1e5", 2.0}}},
		{name: "string args", args: []string{"db/0", "backup", "level=5", "compress=false"}, stringArgs: true,
			units: []string{"db/0"}, action: "backup", params: m{"level": "5", "compress": "false"}},
		{name: "nested keys merge", args: []string{"db/0", "backup", "options.kind=xz", "options.quality=high"},
			units: []string{"db/0"}, action: "backup", params: m{"options": m{"kind": "xz", "quality": "high"}}},
		{name: "a deeper key replaces a scalar", args: []string{"db/0", "backup", "a=1", "a.b=2"},
			units: []string{"db/0"}, action: "backup", params: m{"a": m{"b": 2.0}}},
		{name: "lists and maps", args: []string{"db/0", "backup", "l=[a, 1, {x: z}]", "o={k: v, num: 2, w: y}"},
			units: []string{"db/0"}, action: "backup", params: m{"l": []any{"a", 1.0, m{"x": "z"}}, "o": m{"k": "v", "num": 2.0, "w": true}}},
		{name: "params file overridden by arguments", args: []string{"db/0", "backup", "level=4"},
			paramsYAML: "target: /srv\nlevel: 2\noptions:\n  kind: gz\n",
			units:      []string{"db/0"}, action: "backup", params: m{"target": "/srv", "level": 4.0, "options": m{"kind": "gz"}}},
		{name: "empty params file", args: []string{"db/0", "snapshot"}, paramsYAML: "",
			units: []string{"db/0"}, action: "snapshot", params: m{}},

		{name: "nothing", err: "no unit specified"},
		{name: "no unit", args: []string{"backup"}, err: "no unit specified"},
		{name: "no action", args: []string{"db/0"}, err: "no action specified"},
		{name: "two applications", args: []string{"db/0", "app/0", "backup"}, err: "all units must be of the same application"},
		{name: "bad unit", args: []string{"db/01", "backup"}, err: `invalid unit or action name "db/01"`},
		{name: "bad action", args: []string{"db/0", "Backup"}, err: `invalid unit or action name "Backup"`},
		{name: "argument without =", args: []string{"db/0", "backup", "target"}, err: `argument "target" must be of the form key.key.key...=value`},
		{name: "bad key", args: []string{"db/0", "backup", "options.Kind=xz"},
			err: `key "Kind" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens`},
		{name: "empty key part", args: []string{"db/0", "backup", "options..kind=xz"},
			err: `key "" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens`},
		{name: "bad YAML", args: []string{"db/0", "backup", "l=[1,"}, err: `~yaml: `},
		{name: "non-string key", args: []string{"db/0", "backup", "o={1: x}"}, err: "map keyed with non-string value"},
		{name: "YAML 1.1 boolean key", args: []string{"db/0", "backup", "o={n: 1}"}, err: "map keyed with non-string value"},
		{name: "not JSON", args: []string{"db/0", "backup", "x=.inf"}, err: "json: unsupported value: +Inf"},
		{name: "params file not a map", args: []string{"db/0", "backup"}, paramsYAML: "- a\n", err: `~cannot unmarshal !!seq into map[string]plan.jujuYAML`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var paramsYAML []byte
			if tt.paramsYAML != "" || strings.HasPrefix(tt.name, "empty params") {
				paramsYAML = []byte(tt.paramsYAML)
			}
			got, err := ParseRunArgs(tt.args, paramsYAML, tt.stringArgs)
			checkErr(t, err, tt.err)
			if err != nil {
				return
			}
			if !reflect.DeepEqual(got.Units, tt.units) || got.Action != tt.action || got.Application != strings.Split(tt.units[0], "/")[0] {
				t.Errorf("got units %v action %q app %q", got.Units, got.Action, got.Application)
			}
			if !reflect.DeepEqual(got.Params, tt.params) {
				t.Errorf("params\n got %#v\nwant %#v", got.Params, tt.params)
			}
		})
	}
}

func TestValidateActionParams(t *testing.T) {
	t.Parallel()
	db := loadFixture(t, fixture("db"))
	echo := loadFixture(t, filepath.Join("testdata", "charmcraft", "echo"))
	type m = map[string]any
	tests := []struct {
		name   string
		ch     *Charm
		action string
		params map[string]any
		want   map[string]any
		err    string
	}{
		{name: "defaults filled in", ch: db, action: "backup", params: m{"target": "/srv"},
			want: m{"target": "/srv", "compress": true, "level": 3.0}},
		{name: "given values kept", ch: db, action: "backup", params: m{"target": "/srv", "compress": false, "level": 9.0, "options": m{"kind": "xz"}},
			want: m{"target": "/srv", "compress": false, "level": 9.0, "options": m{"kind": "xz"}}},
		{name: "no schema", ch: db, action: "snapshot", params: m{"anything": []any{1.0}}, want: m{"anything": []any{1.0}}},
		{name: "nil params", ch: db, action: "snapshot", want: m{}},
		{name: "charmcraft actions", ch: echo, action: "say", params: m{"text": "hi"}, want: m{"text": "hi"}},

		{name: "unknown action", ch: db, action: "restore", err: `action "restore" not defined on unit "db/0"`},
		{name: "no action", ch: db, action: "", err: "no action name given"},
		{name: "missing required", ch: db, action: "backup", params: m{},
			err: `validation failed: (root) : "target" property is missing and required, given {}`},
		{name: "additional property", ch: db, action: "backup", params: m{"target": "/srv", "bogus": 1.0},
			err: `validation failed: (root) : additional property "bogus" is not allowed, given {"bogus":1,"target":"/srv"}`},
		{name: "wrong type", ch: db, action: "backup", params: m{"target": "/srv", "level": "high"},
			err: `validation failed: (root).level : must be of type integer, given "high"`},
		{name: "not an integer", ch: db, action: "backup", params: m{"target": "/srv", "level": 2.5},
			err: `validation failed: (root).level : must be of type integer, given 2.5`},
		{name: "maximum", ch: db, action: "backup", params: m{"target": "/srv", "level": 10.0},
			err: `validation failed: (root).level : must be lower than 9, given "10"`},
		{name: "enum in a nested object", ch: db, action: "backup", params: m{"target": "/srv", "options": m{"kind": "zip"}},
			err: `validation failed: (root).options.kind : must match one of the enum values ["xz","gz"], given "zip"`},
		{name: "string from YAML number", ch: echo, action: "say", params: m{"text": 1.0},
			err: `validation failed: (root).text : must be of type string, given 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before, _ := json.Marshal(tt.params)
			got, err := ValidateActionParams(tt.ch, tt.ch.Name()+"/0", tt.action, tt.params)
			checkErr(t, err, tt.err)
			if after, _ := json.Marshal(tt.params); string(after) != string(before) {
				t.Errorf("params changed: %s → %s", before, after)
			}
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// FuzzActionParams: any `juju run` arguments either fail to parse or give
// JSON-shaped parameters that validation accepts or rejects without
// panicking, and validation never changes the caller's map.
func FuzzActionParams(f *testing.F) {
	db := loadFixture(f, fixture("db"))
	for _, seed := range []string{
		"target=/srv", "level=5\x00target=x", "options.kind=xz\x00options.quality=high\x00target=t",
		"a=1\x00a.b=2", "l=[1, {x: y}]", "o={1: x}", "x=.nan", "x=1e5", "x=&a [*a]", "target=null",
		"level=0x1F\x00target=~", "x={a: {b: {c: [1, 2, {d: e}]}}}", "bogus=1\x00target=t", "x=!!binary aGk=",
	} {
		f.Add("backup", seed, false)
		f.Add("snapshot", seed, true)
	}
	f.Fuzz(func(t *testing.T, action, args string, stringArgs bool) {
		argv := []string{"db/0", action}
		if args != "" {
			argv = append(argv, strings.Split(args, "\x00")...)
		}
		req, err := ParseRunArgs(argv, nil, stringArgs)
		if err != nil {
			return
		}
		if _, err := json.Marshal(req.Params); err != nil {
			t.Fatalf("params are not JSON: %v", err)
		}
		before, _ := json.Marshal(req.Params)
		out, err := ValidateActionParams(db, "db/0", req.Action, req.Params)
		if after, _ := json.Marshal(req.Params); string(after) != string(before) {
			t.Fatalf("params changed: %s → %s", before, after)
		}
		if err != nil {
			return
		}
		for k, v := range req.Params {
			if !reflect.DeepEqual(out[k], v) {
				t.Fatalf("validated params lost %q: %#v → %#v", k, v, out[k])
			}
		}
	})
}
