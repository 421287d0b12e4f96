package plan

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseConfigArgs(t *testing.T) {
	t.Parallel()
	db := loadFixture(t, fixture("db"))
	dir := t.TempDir()
	title := writeFile(t, dir, "title.txt", "from a file\n")
	latin1 := writeFile(t, dir, "latin1.txt", "caf\xe9")
	tests := []struct {
		name  string
		args  []string
		reset []string
		want  *ConfigChange
		err   string
	}{
		{name: "nothing: get all", want: &ConfigChange{GetAll: true}},
		{name: "get one", args: []string{"port"}, want: &ConfigChange{Get: "port"}},
		{name: "get app config", args: []string{"trust"}, want: &ConfigChange{Get: "trust"}},
		{name: "get unknown", args: []string{"nope"}, err: `key "nope" not found in "db" application config or charm settings.`},
		{name: "typed values", args: []string{"port=3", "ratio=0.25", "debug=true", "name=x=y", "admin-password="},
			want: &ConfigChange{Set: map[string]any{"port": int64(3), "ratio": 0.25, "debug": true, "name": "x=y", "admin-password": ""}}},
		{name: "boolean spellings", args: []string{"debug=F"}, want: &ConfigChange{Set: map[string]any{"debug": false}}},
		{name: "float from int text", args: []string{"ratio=2"}, want: &ConfigChange{Set: map[string]any{"ratio": float64(2)}}},
		{name: "empty string", args: []string{"name="}, want: &ConfigChange{Set: map[string]any{"name": ""}}},
		{name: "trust goes to the application", args: []string{"trust=true", "port=1"},
			want: &ConfigChange{Set: map[string]any{"port": int64(1)}, SetApp: map[string]any{"trust": true}}},
		{name: "kubernetes application config", args: []string{"kubernetes-ingress-ssl-redirect=yes", "kubernetes-service-annotations=a=b c=d"},
			want: &ConfigChange{Set: map[string]any{}, SetApp: map[string]any{
				"kubernetes-ingress-ssl-redirect": true,
				"kubernetes-service-annotations":  map[string]string{"a": "b", "c": "d"},
			}}},
		{name: "value from a file", args: []string{"name=@" + title}, want: &ConfigChange{Set: map[string]any{"name": "from a file\n"}}},
		{name: "secret URI", args: []string{"admin-password=secret:d0nb3unbrgvs73bnf2ag"},
			want: &ConfigChange{Set: map[string]any{"admin-password": "secret:d0nb3unbrgvs73bnf2ag"}}},
		{name: "reset", reset: []string{"port,ratio", ",debug,"}, want: &ConfigChange{Reset: []string{"port", "ratio", "debug"}}},
		{name: "reset app config", reset: []string{"trust,port"}, want: &ConfigChange{Reset: []string{"port"}, ResetApp: []string{"trust"}}},
		{name: "reset and set", args: []string{"name=x"}, reset: []string{"port"},
			want: &ConfigChange{Reset: []string{"port"}, Set: map[string]any{"name": "x"}}},

		{name: "unknown option", args: []string{"bogus=1"}, err: `parsing settings for application: unknown option "bogus"`},
		{name: "first unknown in sorted order", args: []string{"zz=1", "aa=1"}, err: `parsing settings for application: unknown option "aa"`},
		{name: "int", args: []string{"port=lots"}, err: `parsing settings for application: option "port" expected int, got "lots"`},
		{name: "int from float text", args: []string{"port=1.5"}, err: `parsing settings for application: option "port" expected int, got "1.5"`},
		{name: "empty int", args: []string{"port="}, err: `parsing settings for application: option "port" expected int, got ""`},
		{name: "float", args: []string{"ratio=half"}, err: `parsing settings for application: option "ratio" expected float, got "half"`},
		{name: "boolean", args: []string{"debug=yes"}, err: `parsing settings for application: option "debug" expected boolean, got "yes"`},
		{name: "trust", args: []string{"trust=maybe"}, err: `~parsing settings for application: trust: expected bool, got string("maybe")`},
		{name: "secret URI", args: []string{"admin-password=hunter2"}, err: `~parsing settings for application: invalid secret URI for option "admin-password": `},
		{name: "empty key", args: []string{"=1"}, err: `expected "key=value", got "=1"`},
		{name: "duplicate key", args: []string{"port=1", "port=2"}, err: `key "port" specified more than once`},
		{name: "two gets", args: []string{"port", "ratio"}, err: "cannot specify multiple keys to get"},
		{name: "get and set", args: []string{"port", "ratio=1"}, err: "cannot get value and set key=value pairs simultaneously"},
		{name: "reset and get", args: []string{"port"}, reset: []string{"ratio"}, err: "cannot use --reset flag and get value simultaneously"},
		{name: "reset, get and set", args: []string{"port", "name=x"}, reset: []string{"ratio"},
			err: "cannot use --reset flag, get value and set key=value pairs simultaneously"},
		{name: "set and reset one key", args: []string{"port=1"}, reset: []string{"port"}, err: `cannot set and reset key "port" simultaneously`},
		{name: "reset k=v", reset: []string{"port=1"}, err: `--reset accepts a comma delimited set of keys "a,b,c", received: "port=1"`},
		{name: "reset unknown", reset: []string{"bogus"}, err: `updating application charm settings: unknown option "bogus"`},
		{name: "missing file", args: []string{"name=@" + dir + "/nope"}, err: `~cannot read option from file "` + dir + `/nope": `},
		{name: "non-UTF-8 file", args: []string{"name=@" + latin1}, err: `value for option "name" contains non-UTF-8 sequences`},
		{name: "non-UTF-8 value", args: []string{"name=caf\xe9"}, err: `value for option "name" contains non-UTF-8 sequences`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseConfigArgs(db, "db", tt.args, tt.reset)
			checkErr(t, err, tt.err)
			if err != nil {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// TestParseConfigCommand covers what ParseConfigArgs leaves to the
// client: --file and keys --reset refuses (model-config's read-only ones).
func TestParseConfigCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		file      bool
		reset     []string
		cantReset []string
		args      []string
		want      ConfigCommand
		err       string
	}{
		{name: "nothing", want: ConfigCommand{Actions: []string{ConfigGetAll}}},
		{name: "file, reset and set in Juju's order", file: true, reset: []string{"a,b"}, args: []string{"c=1=2"},
			want: ConfigCommand{Actions: []string{ConfigSetFile, ConfigReset, ConfigSetArgs}, SetArgs: []string{"c=1=2"}, ResetKeys: []string{"a", "b"}}},
		{name: "get one", args: []string{"k"}, want: ConfigCommand{Actions: []string{ConfigGetOne}, KeyToGet: "k"}},
		{name: "file and get", file: true, args: []string{"k"}, err: "cannot use --file flag and get value simultaneously"},
		{name: "read-only key", reset: []string{"x,agent-version"}, cantReset: []string{"agent-version"}, err: `"agent-version" cannot be reset`},
		{name: "read-only key before k=v", reset: []string{"agent-version=1"}, cantReset: []string{"agent-version=1"}, err: `"agent-version=1" cannot be reset`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseConfigCommand(tt.file, tt.reset, tt.cantReset, tt.args)
			checkErr(t, err, tt.err)
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestConfigApplication(t *testing.T) {
	t.Parallel()
	app, rest, err := ConfigApplication([]string{"db", "port=1", "name"})
	if err != nil || app != "db" || !reflect.DeepEqual(rest, []string{"port=1", "name"}) {
		t.Errorf("got %q %q %v", app, rest, err)
	}
	for _, args := range [][]string{nil, {"port=1"}} {
		_, _, err := ConfigApplication(args)
		checkErr(t, err, "no application name specified")
	}
}

func TestValidateConfig(t *testing.T) {
	t.Parallel()
	db := loadFixture(t, fixture("db"))
	tests := []struct {
		name     string
		settings map[string]any
		want     map[string]any
		err      string
	}{
		{name: "YAML-typed values", settings: map[string]any{"port": 3, "ratio": 1, "debug": true, "name": "x"},
			want: map[string]any{"port": int64(3), "ratio": float64(1), "debug": true, "name": "x"}},
		{name: "strings are coerced", settings: map[string]any{"port": "3", "debug": "true"},
			want: map[string]any{"port": int64(3), "debug": true}},
		{name: "nil resets", settings: map[string]any{"port": nil}, want: map[string]any{"port": nil}},
		{name: "app config is not a charm setting", settings: map[string]any{"trust": true}, want: map[string]any{}},
		{name: "unknown", settings: map[string]any{"bogus": 1}, err: `unknown option "bogus"`},
		{name: "wrong type", settings: map[string]any{"port": "lots"}, err: `option "port" expected int, got "lots"`},
		{name: "wrong boolean", settings: map[string]any{"debug": 1}, err: `option "debug" expected boolean, got 1`},
		{name: "secret scheme", settings: map[string]any{"admin-password": "http://x"}, err: `~option "admin-password" expected secret, got "http://x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ValidateConfig(db, tt.settings)
			checkErr(t, err, tt.err)
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParseDeployConfig(t *testing.T) {
	t.Parallel()
	db := loadFixture(t, fixture("db"))
	dir := t.TempDir()
	file := writeFile(t, dir, "cfg.yaml", "db:\n  port: 7000\n  name: from-file\n  trust: true\n")
	other := writeFile(t, dir, "other.yaml", "web:\n  port: 1\n")
	tests := []struct {
		name  string
		flags []string
		trust bool
		want  *DeployConfig
		err   string
	}{
		{name: "pairs", flags: []string{"port=1", "debug=true"},
			want: &DeployConfig{Charm: map[string]any{"port": int64(1), "debug": true}}},
		{name: "trust pair without --trust is dropped", flags: []string{"trust=true"}, want: &DeployConfig{Charm: map[string]any{}}},
		{name: "trust", trust: true, want: &DeployConfig{Charm: map[string]any{}, App: map[string]any{"trust": true}}},
		{name: "last pair wins", flags: []string{"port=1", "port=2"},
			want: &DeployConfig{Charm: map[string]any{"port": int64(2)}}},
		{name: "file and overrides", flags: []string{file, "port=8000", "name="},
			want: &DeployConfig{Charm: map[string]any{"port": int64(8000), "name": nil}, App: map[string]any{"trust": true}}},
		{name: "file's trust", flags: []string{file},
			want: &DeployConfig{Charm: map[string]any{"port": int64(7000), "name": "from-file"}, App: map[string]any{"trust": true}}},
		{name: "two files", flags: []string{file, other}, err: "only a single config YAML file can be specified, got 2"},
		{name: "file for another application", flags: []string{other}, err: `no settings found for "db"`},
		{name: "empty flag", flags: []string{""}, err: "empty string not valid"},
		{name: "unknown", flags: []string{"bogus=1"}, err: `unknown option "bogus"`},
		{name: "bad int", flags: []string{"port=x"}, err: `option "port" expected int, got "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDeployConfig(db, "db", tt.flags, tt.trust)
			checkErr(t, err, tt.err)
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// FuzzParseConfigArgs: whatever the arguments, the parser returns either
// an error or settings whose values have the Go type of their option.
func FuzzParseConfigArgs(f *testing.F) {
	db := loadFixture(f, fixture("db"))
	for _, seed := range []string{
		"port=3", "ratio=0.5\x00debug=true", "name=", "port", "trust=yes", "=x",
		"port=1\x00port=2", "admin-password=secret:abc", "kubernetes-service-annotations=a=b",
		"debug=T\x00name=x=y", "ratio=1e308", "port=9223372036854775808",
	} {
		f.Add(seed, "")
		f.Add(seed, "ratio,debug")
	}
	types := map[string]string{}
	for name, opt := range db.Config().Options {
		types[name] = opt.Type
	}
	f.Fuzz(func(t *testing.T, args, reset string) {
		var argv, resets []string
		if args != "" {
			argv = strings.Split(args, "\x00")
		}
		if reset != "" {
			resets = []string{reset}
		}
		for _, a := range argv {
			if strings.Contains(a, "=@") {
				return // reads files
			}
		}
		c, err := ParseConfigArgs(db, "db", argv, resets)
		if err != nil {
			return
		}
		for k, v := range c.Set {
			var ok bool
			switch types[k] {
			case "string", "secret":
				_, ok = v.(string)
			case "int":
				_, ok = v.(int64)
			case "float":
				_, ok = v.(float64)
			case "boolean":
				_, ok = v.(bool)
			}
			if !ok {
				t.Fatalf("option %q (%s) has value %#v", k, types[k], v)
			}
		}
		for k := range c.SetApp {
			if !IsAppConfigKey(k) {
				t.Fatalf("application config has charm key %q", k)
			}
		}
		if c.Get != "" && (len(c.Set) > 0 || len(c.Reset) > 0) {
			t.Fatalf("get combined with other actions: %#v", c)
		}
	})
}
