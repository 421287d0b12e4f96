package charm

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/hooktool"
)

func mapEnv(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestReadEnv(t *testing.T) {
	t.Parallel()
	base := map[string]string{
		"JUJU_UNIT_NAME":  "hydra/2",
		"JUJU_MODEL_NAME": "iam",
		"JUJU_MODEL_UUID": "uuid",
		"JUJU_CHARM_DIR":  "/var/lib/juju/agents/unit-hydra-2/charm",
		"JUJU_VERSION":    "3.6.11",
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want Event
	}{{
		name: "plain hook",
		env:  with("JUJU_DISPATCH_PATH", "hooks/config-changed", "JUJU_HOOK_NAME", "config-changed"),
		want: Event{Kind: ConfigChanged, Name: "config-changed", RelationID: -1},
	}, {
		name: "hook name only from the dispatch path",
		env:  with("JUJU_DISPATCH_PATH", "hooks/update-status"),
		want: Event{Kind: UpdateStatus, Name: "update-status", RelationID: -1},
	}, {
		name: "relation-changed from a unit",
		env: with("JUJU_DISPATCH_PATH", "hooks/pg-database-relation-changed", "JUJU_HOOK_NAME", "pg-database-relation-changed",
			"JUJU_RELATION", "pg-database", "JUJU_RELATION_ID", "pg-database:7", "JUJU_REMOTE_UNIT", "postgresql/0", "JUJU_REMOTE_APP", "postgresql"),
		want: Event{Kind: RelationChanged, Name: "pg-database-relation-changed", Relation: "pg-database", RelationID: 7,
			RemoteUnit: "postgresql/0", RemoteApp: "postgresql"},
	}, {
		name: "relation-departed names the departing unit",
		env: with("JUJU_HOOK_NAME", "oauth-relation-departed", "JUJU_RELATION", "oauth", "JUJU_RELATION_ID", "oauth:1",
			"JUJU_REMOTE_UNIT", "grafana/1", "JUJU_REMOTE_APP", "grafana", "JUJU_DEPARTING_UNIT", "grafana/1"),
		want: Event{Kind: RelationDeparted, Name: "oauth-relation-departed", Relation: "oauth", RelationID: 1,
			RemoteUnit: "grafana/1", RemoteApp: "grafana", DepartingUnit: "grafana/1"},
	}, {
		name: "pebble-check-failed (not mistaken for a shorter suffix)",
		env:  with("JUJU_HOOK_NAME", "hydra-pebble-check-failed", "JUJU_WORKLOAD_NAME", "hydra", "JUJU_PEBBLE_CHECK_NAME", "ready"),
		want: Event{Kind: PebbleCheckFailed, Name: "hydra-pebble-check-failed", Workload: "hydra", CheckName: "ready", RelationID: -1},
	}, {
		name: "custom notice",
		env: with("JUJU_HOOK_NAME", "kratos-pebble-custom-notice", "JUJU_WORKLOAD_NAME", "kratos",
			"JUJU_NOTICE_ID", "12", "JUJU_NOTICE_TYPE", "custom", "JUJU_NOTICE_KEY", "example.com/reload"),
		want: Event{Kind: PebbleCustomNotice, Name: "kratos-pebble-custom-notice", Workload: "kratos",
			NoticeID: "12", NoticeType: "custom", NoticeKey: "example.com/reload", RelationID: -1},
	}, {
		name: "storage attached",
		env:  with("JUJU_HOOK_NAME", "pgdata-storage-attached", "JUJU_STORAGE_ID", "pgdata/0", "JUJU_STORAGE_LOCATION", "/var/lib/postgresql"),
		want: Event{Kind: StorageAttached, Name: "pgdata-storage-attached", StorageName: "pgdata", StorageID: "pgdata/0",
			StoragePath: "/var/lib/postgresql", RelationID: -1},
	}, {
		name: "secret-remove with revision",
		env: with("JUJU_HOOK_NAME", "secret-remove", "JUJU_SECRET_ID", "secret:d0j6gfn7ffnoq1lms6sg",
			"JUJU_SECRET_LABEL", "cookie", "JUJU_SECRET_REVISION", "3"),
		want: Event{Kind: SecretRemove, Name: "secret-remove", SecretID: "secret:d0j6gfn7ffnoq1lms6sg", SecretLabel: "cookie",
			SecretRevision: 3, RelationID: -1},
	}, {
		name: "action: JUJU_HOOK_NAME is empty",
		env:  with("JUJU_DISPATCH_PATH", "actions/create-oauth-client", "JUJU_ACTION_NAME", "create-oauth-client", "JUJU_ACTION_UUID", "42"),
		want: Event{Kind: Action, Name: "create-oauth-client", ActionName: "create-oauth-client", ActionUUID: "42", RelationID: -1},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, ev, err := ReadEnv(mapEnv(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if env.AppName != "hydra" || env.UnitNumber != 2 || env.ModelName != "iam" || env.JujuVersion != "3.6.11" {
				t.Errorf("env = %+v", env)
			}
			if !reflect.DeepEqual(ev, tt.want) {
				t.Errorf("event:\n got %+v\nwant %+v", ev, tt.want)
			}
			// What a runtime would set for this event reads back the same.
			round := map[string]string{}
			for k, v := range env.Environ() {
				round[k] = v
			}
			for k, v := range ev.Environ() {
				round[k] = v
			}
			_, back, err := ReadEnv(mapEnv(round))
			if err != nil || !reflect.DeepEqual(back, ev) {
				t.Errorf("Environ round trip: %+v, %v", back, err)
			}
		})
	}
}

func TestReadEnvRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"JUJU_HOOK_NAME": "install"}, `JUJU_UNIT_NAME "" is not a unit name`},
		{map[string]string{"JUJU_UNIT_NAME": "hydra/x", "JUJU_HOOK_NAME": "install"}, "is not a unit name"},
		{map[string]string{"JUJU_UNIT_NAME": "hydra/0"}, "neither JUJU_HOOK_NAME"},
		{map[string]string{"JUJU_UNIT_NAME": "hydra/0", "JUJU_HOOK_NAME": "bogus"}, `unknown hook "bogus"`},
		{map[string]string{"JUJU_UNIT_NAME": "hydra/0", "JUJU_HOOK_NAME": "db-relation-changed", "JUJU_RELATION_ID": "db:x"}, "JUJU_RELATION_ID"},
		{map[string]string{"JUJU_UNIT_NAME": "hydra/0", "JUJU_HOOK_NAME": "secret-expired", "JUJU_SECRET_REVISION": "x"}, "JUJU_SECRET_REVISION"},
	}
	for _, tt := range tests {
		if _, _, err := ReadEnv(mapEnv(tt.env)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadEnv(%v) error = %v, want %q", tt.env, err, tt.want)
		}
	}
}

// recorder is a charm that records which handler ran.
type recorder struct {
	ran        []string
	failAction bool
}

func (r *recorder) Reconcile(*Context) error    { r.ran = append(r.ran, "reconcile"); return nil }
func (r *recorder) Install(*Context) error      { r.ran = append(r.ran, "install"); return nil }
func (r *recorder) Remove(*Context) error       { r.ran = append(r.ran, "remove"); return nil }
func (r *recorder) RotateSecret(*Context) error { r.ran = append(r.ran, "rotate"); return nil }
func (r *recorder) Actions() map[string]ActionFunc {
	return map[string]ActionFunc{"do": func(*Context) error {
		r.ran = append(r.ran, "do")
		if r.failAction {
			return errors.New("boom")
		}
		return nil
	}}
}

func TestDispatchRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env     map[string]string
		want    []string
		wantErr string
	}{
		{map[string]string{"JUJU_HOOK_NAME": "install"}, []string{"install", "reconcile"}, ""},
		{map[string]string{"JUJU_HOOK_NAME": "config-changed"}, []string{"reconcile"}, ""},
		{map[string]string{"JUJU_HOOK_NAME": "stop"}, nil, ""},
		{map[string]string{"JUJU_HOOK_NAME": "remove"}, []string{"remove"}, ""},
		{map[string]string{"JUJU_HOOK_NAME": "secret-rotate", "JUJU_SECRET_ID": "secret:x"}, []string{"rotate", "reconcile"}, ""},
		{map[string]string{"JUJU_DISPATCH_PATH": "actions/do", "JUJU_ACTION_NAME": "do"}, []string{"do"}, ""},
		{map[string]string{"JUJU_DISPATCH_PATH": "actions/nope", "JUJU_ACTION_NAME": "nope"}, nil, `action "nope" is not implemented`},
	}
	for _, tt := range tests {
		tt.env["JUJU_UNIT_NAME"] = "x/0"
		r := &recorder{}
		err := Dispatch(context.Background(), Runtime{Getenv: mapEnv(tt.env)}, r)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: error %v, want %q", tt.env, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tt.env, err)
		}
		if !reflect.DeepEqual(r.ran, tt.want) {
			t.Errorf("%v: ran %v, want %v", tt.env, r.ran, tt.want)
		}
	}
}

// listRunner answers relation-ids with a fixed list.
type listRunner struct{ out string }

func (l listRunner) Run(_ context.Context, tool string, _ []string, _ []byte) ([]byte, error) {
	if tool != "relation-ids" {
		return nil, &hooktool.Error{Tool: tool, Code: 1, Stderr: "ERROR unexpected"}
	}
	return []byte(l.out), nil
}

func TestRelationIDsLeavesOutTheBrokenRelation(t *testing.T) {
	t.Parallel()
	tools := hooktool.New(listRunner{out: `["db:1","db:4"]` + "\n"})
	broken := Event{Kind: RelationBroken, Relation: "db", RelationID: 4}
	c := NewContext(context.Background(), Env{}, broken, tools, nil)
	if got, err := c.RelationIDs("db"); err != nil || !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("during db relation-broken: %v, %v", got, err)
	}
	if got, err := c.RelationIDs("other"); err != nil || len(got) != 2 {
		t.Errorf("another endpoint: %v, %v", got, err)
	}
	c = NewContext(context.Background(), Env{}, Event{Kind: ConfigChanged, RelationID: -1}, tools, nil)
	if got, err := c.RelationIDs("db"); err != nil || !reflect.DeepEqual(got, []int{1, 4}) {
		t.Errorf("config-changed: %v, %v", got, err)
	}
}
