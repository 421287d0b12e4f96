package jujuc_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/jujuc"
)

const secretID = "d0f3h5ltmf1s4kmdpt3g"

// toolCase runs one tool against a fresh fake. Exact stdout and stderr
// are compared; wantStderr "" means stderr must be empty.
type toolCase struct {
	name       string
	setup      func(f *fakeContext)
	tool       string
	args       []string
	stdin      string
	code       int
	stdout     string
	stderr     string
	check      func(t *testing.T, f *fakeContext)
	stdoutPref bool // stdout only has to start with want
}

func runCases(t *testing.T, cases []toolCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			if tc.setup != nil {
				tc.setup(f)
			}
			var stdin []byte
			if tc.stdin != "" {
				stdin = []byte(tc.stdin)
			}
			stdout, stderr, code := jujuc.Run(f, tc.tool, tc.args, stdin)
			if code != tc.code {
				t.Errorf("code = %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if tc.stdoutPref {
				if !strings.HasPrefix(string(stdout), tc.stdout) {
					t.Errorf("stdout = %q, want prefix %q", stdout, tc.stdout)
				}
			} else if string(stdout) != tc.stdout {
				t.Errorf("stdout = %q, want %q", stdout, tc.stdout)
			}
			if string(stderr) != tc.stderr {
				t.Errorf("stderr = %q, want %q", stderr, tc.stderr)
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

func leader(f *fakeContext) { f.leader = true }

func TestFlagsAndUsage(t *testing.T) {
	t.Parallel()
	runCases(t, []toolCase{
		{name: "unknown tool", tool: "leader-dance", code: jujuc.ExitUnknownTool, stderr: "ERROR unknown command: leader-dance\n"},
		{name: "unknown long flag", tool: "config-get", args: []string{"--bogus"}, code: 2, stderr: "ERROR option provided but not defined: --bogus\n"},
		{name: "unknown short flag", tool: "config-get", args: []string{"-x"}, code: 2, stderr: "ERROR option provided but not defined: -x\n"},
		{name: "bad format", tool: "config-get", args: []string{"--format", "xml"}, code: 2, stderr: "ERROR invalid value \"xml\" for option --format: unknown format \"xml\"\n"},
		{name: "format needs argument", tool: "config-get", args: []string{"--format"}, code: 2, stderr: "ERROR option needs an argument: --format\n"},
		{name: "help", tool: "config-get", args: []string{"--help"}, stdout: "Usage: config-get [options] [<key>]\n\nSummary:\nPrint application configuration.\n", stdoutPref: true},
		{name: "short help stops parsing", tool: "relation-list", args: []string{"-h", "--bogus"}, stdout: "Usage: relation-list", stdoutPref: true},
		{name: "double dash ends flags", tool: "juju-log", args: []string{"--", "--not-a-flag"}, check: func(t *testing.T, f *fakeContext) {
			want := []string{"INFO --not-a-flag"}
			if !reflect.DeepEqual(f.logs, want) {
				t.Errorf("logs = %q, want %q", f.logs, want)
			}
		}},
		{name: "interspersed flags", tool: "config-get", args: []string{"port", "--format", "json"}, stdout: "4444\n"},
	})
}

func TestConfigGetAndIsLeader(t *testing.T) {
	t.Parallel()
	runCases(t, []toolCase{
		{name: "smart omits unset", tool: "config-get", stdout: "debug: false\nname: x\nport: 4444\n"},
		{name: "all json", tool: "config-get", args: []string{"--all", "--format=json"}, stdout: `{"debug":false,"name":"x","port":4444,"unset":null}` + "\n"},
		{name: "short all yaml", tool: "config-get", args: []string{"-a", "--format", "yaml"}, stdout: "debug: false\nname: x\nport: 4444\nunset: null\n"},
		{name: "key", tool: "config-get", args: []string{"port"}, stdout: "4444\n"},
		{name: "bool key smart", tool: "config-get", args: []string{"debug"}, stdout: "False\n"},
		{name: "string json", tool: "config-get", args: []string{"name", "--format=json"}, stdout: "\"x\"\n"},
		{name: "missing key smart", tool: "config-get", args: []string{"nope"}},
		{name: "missing key json", tool: "config-get", args: []string{"nope", "--format=json"}, stdout: "null\n"},
		{name: "all with key", tool: "config-get", args: []string{"--all", "port"}, code: 2, stderr: "ERROR cannot use argument --all together with key \"port\"\n"},
		{name: "two keys", tool: "config-get", args: []string{"a", "b"}, code: 2, stderr: "ERROR unrecognized args: [\"b\"]\n"},
		{name: "is-leader false", tool: "is-leader", stdout: "False\n"},
		{name: "is-leader true json", setup: leader, tool: "is-leader", args: []string{"--format=json"}, stdout: "true\n"},
		{name: "is-leader args", tool: "is-leader", args: []string{"x"}, code: 2, stderr: "ERROR unrecognized args: [\"x\"]\n"},
	})
}

func TestOutputFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := newFake()
	f.dir = dir
	stdout, stderr, code := jujuc.Run(f, "config-get", []string{"port", "-o", "out.txt"}, nil)
	if code != 0 || len(stdout) != 0 || len(stderr) != 0 {
		t.Fatalf("code %d stdout %q stderr %q", code, stdout, stderr)
	}
	got, err := os.ReadFile(filepath.Join(dir, "out.txt"))
	if err != nil || string(got) != "4444\n" {
		t.Fatalf("out.txt = %q, %v", got, err)
	}
}

func TestRelationTools(t *testing.T) {
	t.Parallel()
	inHook := func(f *fakeContext) { f.inRelationHook(1, "postgresql/1") }
	runCases(t, []toolCase{
		{name: "ids needs endpoint", tool: "relation-ids", code: 2, stderr: "ERROR no endpoint name specified\n"},
		{name: "ids", tool: "relation-ids", args: []string{"db"}, stdout: "db:1\n"},
		{name: "ids default endpoint", setup: inHook, tool: "relation-ids", args: []string{"--format=json"}, stdout: `["db:1"]` + "\n"},
		{name: "ids none json", tool: "relation-ids", args: []string{"nope", "--format=json"}, stdout: "[]\n"},
		{name: "list needs relation", tool: "relation-list", code: 2, stderr: "ERROR no relation id specified\n"},
		{name: "list", tool: "relation-list", args: []string{"-r", "1"}, stdout: "postgresql/0\npostgresql/1\n"},
		{name: "list app", tool: "relation-list", args: []string{"-r", "db:1", "--app"}, stdout: "postgresql\n"},
		{name: "list unknown relation", tool: "relation-list", args: []string{"-r", "9"}, code: 2, stderr: "ERROR invalid value \"9\" for option -r: relation not found\n"},
		{name: "list bad relation", tool: "relation-list", args: []string{"--relation", "db:x"}, code: 2, stderr: "ERROR invalid value \"db:x\" for option --relation: invalid relation id\n"},
		{name: "list empty json", tool: "relation-list", args: []string{"-r", "2", "--format=json"}, stdout: "[]\n"},
		{name: "get all", tool: "relation-get", args: []string{"-r", "1", "-", "postgresql/0"}, stdout: "host: pg\n"},
		{name: "get key", tool: "relation-get", args: []string{"-r", "1", "host", "postgresql/0"}, stdout: "pg\n"},
		{name: "get missing key json", tool: "relation-get", args: []string{"-r", "1", "nokey", "postgresql/0", "--format=json"}, stdout: "null\n"},
		{name: "get empty bag json", tool: "relation-get", args: []string{"-r", "1", "-", "postgresql/1", "--format=json"}, stdout: "{}\n"},
		{name: "get app name without --app", tool: "relation-get", args: []string{"-r", "1", "-", "postgresql"}, code: 2, stderr: "ERROR expected unit name, got application name \"postgresql\"\n"},
		{name: "get invalid unit", tool: "relation-get", args: []string{"-r", "1", "-", "bad//0"}, code: 2, stderr: "ERROR invalid unit name \"bad//0\"\n"},
		{name: "get app", tool: "relation-get", args: []string{"-r", "1", "--app", "-", "postgresql"}, stdout: "endpoints: pg:5432\n"},
		{name: "get app from unit name", tool: "relation-get", args: []string{"-r", "1", "--app", "endpoints", "postgresql/3"}, stdout: "pg:5432\n"},
		{name: "get no target", tool: "relation-get", args: []string{"-r", "1"}, code: 2, stderr: "ERROR no unit or application specified\n"},
		{name: "get defaults to remote unit", setup: inHook, tool: "relation-get", args: []string{"--format=json"}, stdout: "{}\n"},
		{name: "get defaults to remote app", setup: func(f *fakeContext) { f.inRelationHook(1, "") }, tool: "relation-get", args: []string{"endpoints"}, stdout: "pg:5432\n"},
		{name: "get too many args", tool: "relation-get", args: []string{"-r", "1", "k", "postgresql/0", "x"}, code: 2, stderr: "ERROR unrecognized args: [\"x\"]\n"},
		{name: "get own unit reads local bag", setup: func(f *fakeContext) { f.relations[1].unitBag["mine"] = "yes" }, tool: "relation-get", args: []string{"-r", "1", "mine", "hydra/0"}, stdout: "yes\n"},
		{name: "get own app as non-leader asks controller", tool: "relation-get", args: []string{"-r", "1", "--app", "-", "hydra"}, code: 1, stderr: "ERROR permission denied\n"},
		{name: "get own app as leader reads local bag", setup: func(f *fakeContext) { leader(f); f.relations[1].appBag["a"] = "b" }, tool: "relation-get", args: []string{"-r", "1", "--app", "-", "hydra"}, stdout: "a: b\n"},
		{name: "set", setup: func(f *fakeContext) { f.relations[1].unitBag["c"] = "old" }, tool: "relation-set", args: []string{"-r", "1", "a=b", "c=", " d = e "}, check: func(t *testing.T, f *fakeContext) {
			want := fakeBag{"a": "b", "d": "e"}
			if !reflect.DeepEqual(f.relations[1].unitBag, want) {
				t.Errorf("unit bag = %v, want %v", f.relations[1].unitBag, want)
			}
		}},
		{name: "set app needs leader", tool: "relation-set", args: []string{"-r", "1", "--app", "a=b"}, code: 1, stderr: "ERROR cannot write relation settings\n"},
		{name: "set app", setup: leader, tool: "relation-set", args: []string{"-r", "1", "--app", "a=b"}, check: func(t *testing.T, f *fakeContext) {
			if f.relations[1].appBag["a"] != "b" {
				t.Errorf("app bag = %v", f.relations[1].appBag)
			}
		}},
		{name: "set needs relation", tool: "relation-set", args: []string{"a=b"}, code: 2, stderr: "ERROR no relation id specified\n"},
		{name: "set bad pair", tool: "relation-set", args: []string{"-r", "1", "haha"}, code: 2, stderr: "ERROR expected \"key=value\", got \"haha\"\n"},
		{name: "set empty key", tool: "relation-set", args: []string{"-r", "1", "=haha"}, code: 2, stderr: "ERROR expected \"key=value\", got \"=haha\"\n"},
		{name: "set duplicate", tool: "relation-set", args: []string{"-r", "1", "a=b", "a=c"}, code: 2, stderr: "ERROR key \"a\" specified more than once\n"},
		{name: "set file stdin with override", tool: "relation-set", args: []string{"-r", "1", "--file", "-", "b=z"}, stdin: "a: x\nb: y\nn: 5\n", check: func(t *testing.T, f *fakeContext) {
			want := fakeBag{"a": "x", "b": "z", "n": "5"}
			if !reflect.DeepEqual(f.relations[1].unitBag, want) {
				t.Errorf("unit bag = %v, want %v", f.relations[1].unitBag, want)
			}
		}},
		{name: "set file not a map", tool: "relation-set", args: []string{"-r", "1", "--file", "-"}, stdin: "haha", code: 1, stderr: "ERROR yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `haha` into map[string]string\n"},
		{name: "set missing file", tool: "relation-set", args: []string{"-r", "1", "--file", "/nonexistent/x.yaml"}, code: 1, stderr: "ERROR open /nonexistent/x.yaml: no such file or directory\n"},
		{name: "set deprecated format", tool: "relation-set", args: []string{"-r", "1", "--format", "json", "a=b"}, stderr: `--format flag deprecated for command "relation-set"`},
	})
}

func TestStatusLogVersion(t *testing.T) {
	t.Parallel()
	active := func(f *fakeContext) {
		f.unitStatus = jujuc.StatusInfo{Status: "active", Info: "ok"}
		f.appStatus = jujuc.StatusInfo{Status: "waiting", Info: "peers"}
	}
	runCases(t, []toolCase{
		{name: "set needs status", tool: "status-set", code: 2, stderr: "ERROR invalid args, require <status> [message]\n"},
		{name: "set invalid status", tool: "status-set", args: []string{"error"}, code: 2, stderr: "ERROR invalid status \"error\", expected one of [maintenance blocked waiting active]\n"},
		{name: "set one message only", tool: "status-set", args: []string{"active", "a", "b"}, code: 2, stderr: "ERROR unrecognized args: [\"b\"]\n"},
		{name: "set unit", tool: "status-set", args: []string{"blocked", "need config"}, check: func(t *testing.T, f *fakeContext) {
			if !reflect.DeepEqual(f.unitStatus, jujuc.StatusInfo{Status: "blocked", Info: "need config"}) {
				t.Errorf("unit status = %+v", f.unitStatus)
			}
		}},
		{name: "set app needs leader", tool: "status-set", args: []string{"--application", "active"}, code: 1, stderr: "ERROR this unit is not the leader\n"},
		{name: "get smart", setup: active, tool: "status-get", stdout: "active\n"},
		{name: "get data json", setup: active, tool: "status-get", args: []string{"--include-data", "--format=json"}, stdout: `{"message":"ok","status":"active","status-data":{}}` + "\n"},
		{name: "get json without data", setup: active, tool: "status-get", args: []string{"--format=json"}, stdout: `{"status":"active"}` + "\n"},
		{name: "get app needs leader", tool: "status-get", args: []string{"--application"}, code: 1, stderr: "ERROR finding application status: this unit is not the leader\n"},
		{name: "get app json", setup: func(f *fakeContext) { active(f); leader(f) }, tool: "status-get", args: []string{"--application", "--include-data", "--format=json"},
			stdout: `{"application-status":{"message":"peers","status":"waiting","status-data":{},"units":{"hydra/0":{"message":"ok","status":"active","status-data":{}}}}}` + "\n"},
		{name: "version needs arg", tool: "application-version-set", code: 2, stderr: "ERROR no version specified\n"},
		{name: "version", tool: "application-version-set", args: []string{"v2.1"}, check: func(t *testing.T, f *fakeContext) {
			if f.version != "v2.1" {
				t.Errorf("version = %q", f.version)
			}
		}},
		{name: "log needs message", tool: "juju-log", code: 2, stderr: "ERROR no message specified\n"},
		{name: "log levels", tool: "juju-log", args: []string{"-l", "warn", "disk", "low"}, check: wantLogs("WARNING disk low")},
		{name: "log debug flag", tool: "juju-log", args: []string{"--debug", "x"}, check: wantLogs("DEBUG x")},
		{name: "log bad level", tool: "juju-log", args: []string{"--log-level", "loud", "x"}, check: wantLogs(`WARNING Specified log level of "loud" is not valid`, "INFO x")},
		{name: "log relation prefix", setup: func(f *fakeContext) { f.inRelationHook(1, "postgresql/0") }, tool: "juju-log", args: []string{"joined"}, check: wantLogs("INFO db:1: joined")},
	})
}

func wantLogs(want ...string) func(*testing.T, *fakeContext) {
	return func(t *testing.T, f *fakeContext) {
		t.Helper()
		if !reflect.DeepEqual(f.logs, want) {
			t.Errorf("logs = %q, want %q", f.logs, want)
		}
	}
}

func TestActionTools(t *testing.T) {
	t.Parallel()
	inAction := func(f *fakeContext) {
		f.action = &fakeAction{params: map[string]any{"name": "x", "opts": map[string]any{"n": 3.0}}, results: map[string]any{}}
	}
	runCases(t, []toolCase{
		{name: "get outside action", tool: "action-get", code: 1, stderr: "ERROR not running an action\n"},
		{name: "get all json", setup: inAction, tool: "action-get", args: []string{"--format=json"}, stdout: `{"name":"x","opts":{"n":3}}` + "\n"},
		{name: "get nested", setup: inAction, tool: "action-get", args: []string{"opts.n"}, stdout: "3\n"},
		{name: "get missing json", setup: inAction, tool: "action-get", args: []string{"opts.m", "--format=json"}, stdout: "null\n"},
		{name: "get through a leaf", setup: inAction, tool: "action-get", args: []string{"name.x", "--format=json"}, stdout: "null\n"},
		{name: "set", setup: inAction, tool: "action-set", args: []string{"a.b=c", "a.d=e", "f=g=h"}, check: func(t *testing.T, f *fakeContext) {
			want := map[string]any{"a": map[string]any{"b": "c", "d": "e"}, "f": "g=h"}
			if !reflect.DeepEqual(f.action.results, want) {
				t.Errorf("results = %v, want %v", f.action.results, want)
			}
		}},
		{name: "set bad key", setup: inAction, tool: "action-set", args: []string{"Foo=bar"}, code: 2, stderr: "ERROR key \"Foo\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens\n"},
		{name: "set bad segment", setup: inAction, tool: "action-set", args: []string{"a.-b=c"}, code: 2, stderr: "ERROR key \"-b\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens\n"},
		{name: "set reserved", setup: inAction, tool: "action-set", args: []string{"out.stdout=x"}, code: 2, stderr: "ERROR cannot set reserved action key \"stdout\"\n"},
		{name: "set no value", setup: inAction, tool: "action-set", args: []string{"key"}, code: 2, stderr: "ERROR argument \"key\" must be of the form key...=value\n"},
		{name: "set outside action", tool: "action-set", args: []string{"a=b"}, code: 1, stderr: "ERROR not running an action\n"},
		{name: "fail default message", setup: inAction, tool: "action-fail", check: func(t *testing.T, f *fakeContext) {
			if !f.action.failed || f.action.message != "action failed without reason given, check action for errors" {
				t.Errorf("action = %+v", f.action)
			}
		}},
		{name: "fail one message", setup: inAction, tool: "action-fail", args: []string{"a", "b"}, code: 2, stderr: "ERROR unrecognized args: [\"b\"]\n"},
		{name: "log joins", setup: inAction, tool: "action-log", args: []string{"50%", "done"}, check: func(t *testing.T, f *fakeContext) {
			if !reflect.DeepEqual(f.action.logs, []string{"50% done"}) {
				t.Errorf("logs = %q", f.action.logs)
			}
		}},
		{name: "log needs message", setup: inAction, tool: "action-log", code: 2, stderr: "ERROR no message specified\n"},
	})
}

func TestStateTools(t *testing.T) {
	t.Parallel()
	stored := func(f *fakeContext) { f.state = map[string]string{"a": "1", "b": "two"} }
	runCases(t, []toolCase{
		{name: "get empty json", tool: "state-get", args: []string{"--format=json"}, stdout: "null\n"},
		{name: "get empty smart", tool: "state-get", stdout: "{}\n"},
		{name: "get all", setup: stored, tool: "state-get", stdout: "a: \"1\"\nb: two\n"},
		{name: "get key", setup: stored, tool: "state-get", args: []string{"b"}, stdout: "two\n"},
		{name: "get missing", setup: stored, tool: "state-get", args: []string{"c", "--format=json"}, stdout: "\"\"\n"},
		{name: "get missing strict", setup: stored, tool: "state-get", args: []string{"--strict", "c"}, code: 1, stderr: "ERROR \"c\" not found\n"},
		{name: "set with file", tool: "state-set", args: []string{"--file", "-", "x=override"}, stdin: "x: 1\ny: 2\n", check: func(t *testing.T, f *fakeContext) {
			want := map[string]string{"x": "override", "y": "2"}
			if !reflect.DeepEqual(f.state, want) {
				t.Errorf("state = %v, want %v", f.state, want)
			}
		}},
		{name: "set bad pair", tool: "state-set", args: []string{"oops"}, code: 2, stderr: "ERROR expected \"key=value\", got \"oops\"\n"},
		{name: "delete", setup: stored, tool: "state-delete", args: []string{"a"}, check: func(t *testing.T, f *fakeContext) {
			if _, ok := f.state["a"]; ok || f.state["b"] != "two" {
				t.Errorf("state = %v", f.state)
			}
		}},
		{name: "delete one key only", tool: "state-delete", args: []string{"a", "b"}, code: 2, stderr: "ERROR unrecognized args: [\"b\"]\n"},
	})
}

func TestPortsNetworkGoalState(t *testing.T) {
	t.Parallel()
	opened := func(f *fakeContext) {
		f.ports[""] = []jujuc.PortRange{{FromPort: 80, ToPort: 80, Protocol: "tcp"}, {FromPort: -1, ToPort: -1, Protocol: "icmp"}}
		f.ports["metrics"] = []jujuc.PortRange{{FromPort: 1000, ToPort: 2000, Protocol: "udp"}, {FromPort: 80, ToPort: 80, Protocol: "tcp"}}
	}
	network := func(f *fakeContext) {
		f.networks["db"] = jujuc.NetworkInfo{
			Interfaces:       []jujuc.InterfaceInfo{{Addresses: []jujuc.InterfaceAddress{{Address: "10.1.0.10"}}}},
			IngressAddresses: []string{"10.152.0.5"},
			EgressSubnets:    []string{"10.1.0.10/32"},
		}
	}
	since := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	runCases(t, []toolCase{
		{name: "open", tool: "open-port", args: []string{"8080"}, check: wantPorts("", "8080/tcp")},
		{name: "open endpoints", tool: "open-port", args: []string{"53/UDP", "--endpoints", "dns, admin"}, check: func(t *testing.T, f *fakeContext) {
			wantPorts("dns", "53/udp")(t, f)
			wantPorts("admin", "53/udp")(t, f)
		}},
		{name: "open icmp", tool: "open-port", args: []string{"icmp"}, check: wantPorts("", "icmp")},
		{name: "open needs port", tool: "open-port", code: 2, stderr: "ERROR no port or range specified\n"},
		{name: "open out of range", tool: "open-port", args: []string{"70000"}, code: 2, stderr: "ERROR port range bounds must be between 0 and 65535, got 70000-70000\n"},
		{name: "open bad protocol", tool: "open-port", args: []string{"80/sctp"}, code: 2, stderr: "ERROR invalid protocol \"sctp\", expected \"tcp\", \"udp\", or \"icmp\"\n"},
		{name: "open reversed range", tool: "open-port", args: []string{"10-5"}, code: 2, stderr: "ERROR invalid port range 10-5/tcp\n"},
		{name: "open not a number", tool: "open-port", args: []string{"http"}, code: 2, stderr: "ERROR invalid port \"http\": strconv.Atoi: parsing \"http\": invalid syntax\n"},
		{name: "open icmp with port", tool: "open-port", args: []string{"80/icmp"}, code: 2, stderr: "ERROR protocol \"icmp\" doesn't support any ports; got \"80\"\n"},
		{name: "close", setup: opened, tool: "close-port", args: []string{"80"}, check: wantPorts("", "icmp")},
		{name: "opened smart", setup: opened, tool: "opened-ports", stdout: "icmp\n80/tcp\n1000-2000/udp\n"},
		{name: "opened endpoints json", setup: opened, tool: "opened-ports", args: []string{"--endpoints", "--format=json"}, stdout: `["icmp (*)","80/tcp (*)","1000-2000/udp (metrics)"]` + "\n"},
		{name: "opened none json", tool: "opened-ports", args: []string{"--format=json"}, stdout: "[]\n"},
		{name: "network needs binding", tool: "network-get", code: 2, stderr: "ERROR no arguments specified\n"},
		{name: "network unknown binding", tool: "network-get", args: []string{"nope"}, code: 1, stderr: "ERROR no network config found for binding \"nope\"\n"},
		{name: "network all yaml", setup: network, tool: "network-get", args: []string{"db"},
			stdout: "bind-addresses:\n- mac-address: \"\"\n  interface-name: \"\"\n  addresses:\n  - hostname: \"\"\n    value: 10.1.0.10\n    cidr: \"\"\n    address: 10.1.0.10\n  macaddress: \"\"\n  interfacename: \"\"\negress-subnets:\n- 10.1.0.10/32\ningress-addresses:\n- 10.152.0.5\n"},
		{name: "network all json", setup: network, tool: "network-get", args: []string{"db", "--format=json"},
			stdout: `{"bind-addresses":[{"mac-address":"","interface-name":"","addresses":[{"hostname":"","value":"10.1.0.10","cidr":""}]}],"egress-subnets":["10.1.0.10/32"],"ingress-addresses":["10.152.0.5"]}` + "\n"},
		{name: "network ingress", setup: network, tool: "network-get", args: []string{"db", "--ingress-address"}, stdout: "10.152.0.5\n"},
		{name: "network two keys json", setup: network, tool: "network-get", args: []string{"db", "--bind-address", "--egress-subnets", "--format=json"}, stdout: `{"bind-address":"10.1.0.10","egress-subnets":["10.1.0.10/32"]}` + "\n"},
		{name: "network primary alone", setup: network, tool: "network-get", args: []string{"db", "--primary-address", "--bind-address"}, code: 1, stderr: "ERROR --primary-address must be the only flag specified\n"},
		{name: "goal state json", setup: func(f *fakeContext) {
			f.goalState = jujuc.GoalState{
				Units:     map[string]jujuc.GoalStatus{"hydra/0": {Status: "active", Since: &since}},
				Relations: map[string]map[string]jujuc.GoalStatus{"db": {"postgresql": {Status: "joined"}}},
			}
		}, tool: "goal-state", args: []string{"--format=json"}, stdout: `{"units":{"hydra/0":{"status":"active","since":"2025-01-02 03:04:05Z"}},"relations":{"db":{"postgresql":{"status":"joined"}}}}` + "\n"},
		{name: "goal state yaml empty", tool: "goal-state", stdout: "units: {}\nrelations: {}\n"},
		{name: "goal state no smart", tool: "goal-state", args: []string{"--format=smart"}, code: 2, stderr: "ERROR invalid value \"smart\" for option --format: unknown format \"smart\"\n"},
	})
}

func wantPorts(endpoint string, want ...string) func(*testing.T, *fakeContext) {
	return func(t *testing.T, f *fakeContext) {
		t.Helper()
		var got []string
		for _, r := range f.ports[endpoint] {
			got = append(got, r.String())
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ports[%q] = %q, want %q", endpoint, got, want)
		}
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestSecretTools(t *testing.T) {
	t.Parallel()
	stored := func(f *fakeContext) {
		f.values[secretID] = jujuc.SecretValue{"password": b64("s3cret"), "user": b64("admin")}
		f.secrets[secretID] = jujuc.SecretMetadata{Owner: "application", Label: "db", LatestRevision: 2, RotatePolicy: "daily",
			Access: []jujuc.SecretAccess{{Target: "application-postgresql", Scope: "relation-hydra.db#postgresql.database", Role: "view"}}}
	}
	uri := "secret:" + secretID
	runCases(t, []toolCase{
		{name: "add needs content", tool: "secret-add", code: 2, stderr: "ERROR missing secret value or filename\n"},
		{name: "add short key", tool: "secret-add", args: []string{"ab=x"}, code: 2, stderr: "ERROR key \"ab\" not valid\n"},
		{name: "add underscore key", tool: "secret-add", args: []string{"my_key=x"}, code: 2, stderr: "ERROR key \"my_key\" not valid\n"},
		{name: "add no separator", tool: "secret-add", args: []string{"password"}, code: 2, stderr: "ERROR key value \"password\" not valid\n"},
		{name: "add bad owner", tool: "secret-add", args: []string{"--owner", "app", "password=x"}, code: 2, stderr: "ERROR secret owner \"app\" not valid\n"},
		{name: "add bad rotate", tool: "secret-add", args: []string{"--rotate", "sometimes", "password=x"}, code: 2, stderr: "ERROR rotate policy \"sometimes\" not valid\n"},
		{name: "add bad expire", tool: "secret-add", args: []string{"--expire", "tomorrow", "password=x"}, code: 2, stderr: "ERROR expire time or duration \"tomorrow\" not valid\n"},
		{name: "add negative expire", tool: "secret-add", args: []string{"--expire", "-1h", "password=x"}, code: 2, stderr: "ERROR negative expire duration \"-1h\" not valid\n"},
		{name: "add app secret needs leader", tool: "secret-add", args: []string{"password=x"}, code: 1, stderr: "ERROR this unit is not the leader\n"},
		{name: "add", setup: leader, tool: "secret-add", args: []string{"password=s3cret", "token#base64=" + b64("t=="), "--label", "db", "--rotate", "daily", "--expire", "2030-01-02T03:04:05Z"},
			stdout: "secret:" + secretID + "\n", check: func(t *testing.T, f *fakeContext) {
				if len(f.created) != 1 {
					t.Fatalf("created = %v", f.created)
				}
				a := f.created[0]
				if a.Owner != "application" || *a.Label != "db" || *a.RotatePolicy != "daily" || !a.ExpireTime.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
					t.Errorf("args = %+v", a)
				}
				want := jujuc.SecretValue{"password": b64("s3cret"), "token": b64("t==")}
				if !reflect.DeepEqual(a.Value, want) {
					t.Errorf("value = %v, want %v", a.Value, want)
				}
			}},
		{name: "add unit owned from files", setup: func(f *fakeContext) {
			f.dir = t.TempDir()
			_ = os.WriteFile(filepath.Join(f.dir, "cert.pem"), []byte("CERT"), 0o600)
			_ = os.WriteFile(filepath.Join(f.dir, "more.yaml"), []byte("api-key: k1\nport: 80\n"), 0o600)
		}, tool: "secret-add", args: []string{"--owner", "unit", "--file", "more.yaml", "cert#file=cert.pem"}, stdout: "secret:" + secretID + "\n",
			check: func(t *testing.T, f *fakeContext) {
				want := jujuc.SecretValue{"cert": b64("CERT"), "api-key": b64("k1"), "port": b64("80")}
				if got := f.created[0].Value; !reflect.DeepEqual(got, want) {
					t.Errorf("value = %v, want %v", got, want)
				}
			}},
		{name: "add missing file", tool: "secret-add", args: []string{"cert#file=/nonexistent/c"}, code: 2, stderr: "ERROR reading content for secret key \"cert\": open /nonexistent/c: no such file or directory\n"},
		{name: "get needs id", tool: "secret-get", code: 2, stderr: "ERROR require either a secret URI or label\n"},
		{name: "get bad uri", tool: "secret-get", args: []string{"bogus"}, code: 2, stderr: "ERROR secret URI \"bogus\" not valid\n"},
		{name: "get peek and refresh", tool: "secret-get", args: []string{uri, "--peek", "--refresh"}, code: 2, stderr: "ERROR specify one of --peek or --refresh but not both\n"},
		{name: "get all", setup: stored, tool: "secret-get", args: []string{uri}, stdout: "password: s3cret\nuser: admin\n"},
		{name: "get key json", setup: stored, tool: "secret-get", args: []string{secretID, "password", "--format=json"}, stdout: "\"s3cret\"\n"},
		{name: "get key base64", setup: stored, tool: "secret-get", args: []string{uri, "password#base64"}, stdout: b64("s3cret") + "\n"},
		{name: "get missing key", setup: stored, tool: "secret-get", args: []string{uri, "nope"}, code: 1, stderr: "ERROR secret key value \"nope\" not found\n"},
		// As in Juju, the first positional argument is always the URI.
		{name: "get by label takes no key", setup: stored, tool: "secret-get", args: []string{"--label", "db", "user"}, code: 2, stderr: "ERROR secret URI \"user\" not valid\n"},
		{name: "get by label with refresh", setup: stored, tool: "secret-get", args: []string{"--label", "db", "--refresh", "--format=json"}, stdout: `{"password":"s3cret","user":"admin"}` + "\n", check: func(t *testing.T, f *fakeContext) {
			if f.lastGet != "|db|true|false" {
				t.Errorf("GetSecret called with %q", f.lastGet)
			}
		}},
		{name: "get no smart format", tool: "secret-get", args: []string{uri, "--format", "smart"}, code: 2, stderr: "ERROR invalid value \"smart\" for option --format: unknown format \"smart\"\n"},
		{name: "get denied", tool: "secret-get", args: []string{uri}, code: 1, stderr: "ERROR permission denied\n"},
		{name: "set needs uri", tool: "secret-set", code: 2, stderr: "ERROR missing secret URI\n"},
		{name: "set bad scheme", tool: "secret-set", args: []string{"vault:" + secretID}, code: 2, stderr: "ERROR secret URI scheme \"vault\" not valid\n"},
		{name: "set", tool: "secret-set", args: []string{uri, "password=new", "--description", "db creds"}, check: func(t *testing.T, f *fakeContext) {
			a := f.updated[secretID]
			if *a.Description != "db creds" || !reflect.DeepEqual(a.Value, jujuc.SecretValue{"password": b64("new")}) || a.Label != nil {
				t.Errorf("update = %+v", a)
			}
		}},
		{name: "remove revision", tool: "secret-remove", args: []string{uri, "--revision", "2"}, check: func(t *testing.T, f *fakeContext) {
			if rev := f.removed[secretID]; rev == nil || *rev != 2 {
				t.Errorf("removed = %v", f.removed)
			}
		}},
		{name: "remove bad revision", tool: "secret-remove", args: []string{uri, "--revision", "two"}, code: 2, stderr: "ERROR invalid value \"two\" for option --revision: strconv.ParseInt: parsing \"two\": invalid syntax\n"},
		{name: "grant needs relation", tool: "secret-grant", args: []string{uri}, code: 2, stderr: "ERROR no relation id specified\n"},
		{name: "grant", tool: "secret-grant", args: []string{uri, "-r", "1"}, check: func(t *testing.T, f *fakeContext) {
			g := f.grants[0]
			if *g.ApplicationName != "postgresql" || g.UnitName != nil || *g.RelationKey != "hydra:db postgresql:database" {
				t.Errorf("grant = %+v", g)
			}
		}},
		{name: "grant unit of other app", tool: "secret-grant", args: []string{uri, "-r", "1", "--unit", "kratos/0"}, code: 2, stderr: "ERROR cannot specify unit \"kratos/0\" in relation to application \"postgresql\"\n"},
		{name: "grant invalid unit", tool: "secret-grant", args: []string{uri, "-r", "1", "--unit", "pg"}, code: 2, stderr: "ERROR unit \"pg\" not valid\n"},
		{name: "revoke needs target", tool: "secret-revoke", args: []string{uri}, code: 2, stderr: "ERROR missing relation or application or unit\n"},
		{name: "revoke app and unit", tool: "secret-revoke", args: []string{uri, "--app", "kratos", "--unit", "kratos/0"}, code: 2, stderr: "ERROR specify only one of application or unit\n"},
		{name: "revoke relation and app", tool: "secret-revoke", args: []string{uri, "-r", "1", "--app", "kratos"}, code: 2, stderr: "ERROR do not specify both relation and app\n"},
		{name: "revoke relation", tool: "secret-revoke", args: []string{uri, "-r", "1"}, check: func(t *testing.T, f *fakeContext) {
			if r := f.revokes[0]; *r.ApplicationName != "postgresql" || r.UnitName != nil {
				t.Errorf("revoke = %+v", r)
			}
		}},
		{name: "revoke in relation hook defaults", setup: func(f *fakeContext) { f.inRelationHook(1, "postgresql/0") }, tool: "secret-revoke", args: []string{uri}, check: func(t *testing.T, f *fakeContext) {
			if r := f.revokes[0]; *r.ApplicationName != "postgresql" {
				t.Errorf("revoke = %+v", r)
			}
		}},
		{name: "ids none json", tool: "secret-ids", args: []string{"--format=json"}, stdout: "null\n"},
		{name: "ids none smart", tool: "secret-ids"},
		{name: "ids", setup: stored, tool: "secret-ids", stdout: secretID + "\n"},
		{name: "info by label", setup: stored, tool: "secret-info-get", args: []string{"--label", "db"},
			stdout: secretID + ":\n  revision: 2\n  label: db\n  owner: application\n  rotation: daily\n  access:\n  - target: application-postgresql\n    scope: relation-hydra.db#postgresql.database\n    role: view\n"},
		{name: "info json", setup: stored, tool: "secret-info-get", args: []string{uri, "--format=json"},
			stdout: `{"` + secretID + `":{"revision":2,"label":"db","owner":"application","rotation":"daily","access":[{"target":"application-postgresql","scope":"relation-hydra.db#postgresql.database","role":"view"}]}}` + "\n"},
		{name: "info unknown", tool: "secret-info-get", args: []string{"--label", "nope"}, code: 1, stderr: "ERROR secret \"nope\" not found\n"},
		{name: "info both", tool: "secret-info-get", args: []string{uri, "--label", "x"}, code: 2, stderr: "ERROR specify either a secret URI or label but not both\n"},
	})
}

func TestParseSecretURI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "secret:" + secretID, want: "secret:" + secretID},
		{in: secretID, want: "secret:" + secretID},
		{in: "secret://deadbeef-1bad-500d-9000-4b1d0d06f00d/" + secretID, want: "secret://deadbeef-1bad-500d-9000-4b1d0d06f00d/" + secretID},
		{in: "http:" + secretID, err: `secret URI scheme "http" not valid`},
		{in: "secret://not-a-uuid/" + secretID, err: `host controller UUID "not-a-uuid" not valid`},
		{in: "secret:short", err: `secret URI "secret:short" not valid`},
		// Right length and alphabet for the pattern, but not an xid.
		{in: "secret:zzzzzzzzzzzzzzzzzzzz", err: `secret URI "secret:zzzzzzzzzzzzzzzzzzzz" not valid`},
	} {
		got, err := jujuc.ParseSecretURI(tc.in)
		switch {
		case tc.err != "":
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseSecretURI(%q) error = %v, want %q", tc.in, err, tc.err)
			}
		case err != nil:
			t.Errorf("ParseSecretURI(%q): %v", tc.in, err)
		case got.String() != tc.want:
			t.Errorf("ParseSecretURI(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if u := jujuc.NewSecretURI(); !strings.HasPrefix(u.String(), "secret:") || len(u.ID) != 20 {
		t.Errorf("NewSecretURI() = %q", u)
	}
}
