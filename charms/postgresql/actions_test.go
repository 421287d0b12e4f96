package main

import (
	"errors"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/charms/postgresql/pgadmin"
	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest"
)

func TestGetPassword(t *testing.T) {
	t.Parallel()
	f := newFakeServer()
	ctx := newContext(t, f)
	ready := bootstrap(t, ctx)
	sec, _ := secretByLabel(ready, systemSecretLabel)
	op := sec.Content[operatorKey]

	follower := ready
	follower.Leader = false
	fresh := charmtest.State{Leader: true, Relations: []charmtest.Relation{peers("")}, Containers: []charmtest.Container{pgContainer()}}
	for _, tc := range []struct {
		name        string
		in          charmtest.State
		params      map[string]any
		wantResults map[string]any
		wantFailure string
	}{
		{"leader, default user", ready, nil, map[string]any{"password": op}, ""},
		{"any unit reads it", follower, map[string]any{"username": "operator"}, map[string]any{"password": op}, ""},
		{"not a system user", ready, map[string]any{"username": "relation_id_5"}, nil, "relation_id_5 is not a system user: the system users are operator"},
		{"before the leader made it", fresh, nil, nil, "the system users' passwords do not exist yet: wait for the leader to initialise the cluster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := ctx.RunAction(t, "get-password", tc.params, tc.in)
			if out.Err != nil {
				t.Fatal(out.Err)
			}
			if tc.wantFailure != "" {
				if !out.ActionFailed || out.ActionMessage != tc.wantFailure {
					t.Errorf("failed=%v message=%q, want %q", out.ActionFailed, out.ActionMessage, tc.wantFailure)
				}
				return
			}
			if out.ActionFailed || !maps.Equal(out.ActionResults, tc.wantResults) {
				t.Errorf("failed=%v %q results %v", out.ActionFailed, out.ActionMessage, out.ActionResults)
			}
		})
	}
}

func TestSetPassword(t *testing.T) {
	t.Parallel()
	f := newFakeServer()
	ctx := newContext(t, f)
	ready := bootstrap(t, ctx)
	sec, _ := secretByLabel(ready, systemSecretLabel)
	old := sec.Content[operatorKey]

	t.Run("given password", func(t *testing.T) {
		out := ctx.RunAction(t, "set-password", map[string]any{"password": "New-Operator-Pw-123"}, ready)
		if out.Err != nil || out.ActionFailed {
			t.Fatalf("%v %q", out.Err, out.ActionMessage)
		}
		s, _ := secretByLabel(out.State, systemSecretLabel)
		if s.Content[operatorKey] != "New-Operator-Pw-123" || s.Revision <= sec.Revision {
			t.Errorf("secret %+v", s)
		}
		ops, _, _, _ := f.snapshot()
		if !slices.Contains(ops, "set password operator") {
			t.Errorf("ops %q", ops)
		}
		assertNoSecretLeak(t, out, "New-Operator-Pw-123")

		// The next hook sees a new fingerprint and checks the server.
		f.mu.Lock()
		f.dials = 0
		f.mu.Unlock()
		next := ctx.Run(t, charmtest.Hook(charm.UpdateStatus), out.State)
		if _, _, _, dials := f.snapshot(); next.Err != nil || dials != 1 || next.State.UnitStatus.Message != msgPrimary {
			t.Errorf("after set-password: %v dials=%d %+v", next.Err, dials, next.State.UnitStatus)
		}
	})

	t.Run("random password", func(t *testing.T) {
		f2 := newFakeServer()
		ctx2 := newContext(t, f2)
		st := bootstrap(t, ctx2)
		out := ctx2.RunAction(t, "set-password", nil, st)
		if out.Err != nil || out.ActionFailed {
			t.Fatalf("%v %q", out.Err, out.ActionMessage)
		}
		s, _ := secretByLabel(out.State, systemSecretLabel)
		if pw := s.Content[operatorKey]; pw == old || len(pw) < 20 || pgadmin.CheckPassword(pw) != nil {
			t.Errorf("new password %q", pw)
		}
		if out.ActionResults["changed"] != "true" {
			t.Errorf("results %v", out.ActionResults)
		}
	})

	follower := ready
	follower.Leader = false
	for _, tc := range []struct {
		name   string
		in     charmtest.State
		params map[string]any
		want   string
	}{
		{"non-leader", follower, nil, "set-password must run on the leader unit"},
		{"not a system user", ready, map[string]any{"username": "postgres"}, "postgres is not a system user: the system users are operator"},
		{"not ASCII", ready, map[string]any{"password": "pässword"}, "invalid password: " + pgadmin.ErrPasswordCharset.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := ctx.RunAction(t, "set-password", tc.params, tc.in)
			if out.Err != nil {
				t.Fatal(out.Err)
			}
			if !out.ActionFailed || out.ActionMessage != tc.want {
				t.Errorf("failed=%v message=%q, want %q", out.ActionFailed, out.ActionMessage, tc.want)
			}
		})
	}
}

// FuzzConfig feeds arbitrary option values through a full dispatch:
// the hook never fails, blocked names the option, and a config the
// charm accepts renders only numbers into postgresql.conf.
func FuzzConfig(f *testing.F) {
	f.Add(int64(4096), int64(1024), int64(65536), int64(100), int64(60), true, false, 0.0)
	f.Add(int64(3), int64(0), int64(-1), int64(10001), int64(601), false, true, 0.5)
	f.Add(int64(1073741823), int64(2147483647), int64(1024), int64(10), int64(1), true, true, 0.0)
	meta := newContext(f, newFakeServer()).Meta
	f.Fuzz(func(t *testing.T, buffers, work, maint, conns, auth int64, trgm, gin bool, frac float64) {
		cfg := map[string]any{
			"memory_shared_buffers": int(buffers), "memory_work_mem": int(work), "memory_maintenance_work_mem": int(maint),
			"experimental_max_connections": int(conns), "connection_authentication_timeout": int(auth),
			"plugin_pg_trgm_enable": trgm, "plugin_btree_gin_enable": gin,
		}
		raw := map[string]any{}
		for k, v := range cfg {
			if n, ok := v.(int); ok {
				raw[k] = float64(n) + frac // config-get's JSON numbers
			} else {
				raw[k] = v
			}
		}
		set, err := parseSettings(raw)
		if err != nil {
			var ce *configError
			if !strings.Contains(err.Error(), "must be") || !errors.As(err, &ce) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		for _, p := range intParams {
			v := set.params[p.param]
			if v < p.min || v > p.max {
				t.Fatalf("%s = %d out of range", p.param, v)
			}
		}
		conf := string(postgresqlConf(set))
		if strings.Count(conf, "\n") != strings.Count(conf, " = ")+1 {
			t.Fatalf("postgresql.conf has a line that is not a setting:\n%s", conf)
		}
		if frac != math.Trunc(frac) {
			t.Fatalf("accepted a fraction: %v", raw)
		}
		if frac != 0 {
			return // the ints given to Juju below would differ
		}
		// Through a dispatch too: Juju's int options take ints only.
		in := charmtest.State{Leader: true, Config: cfg, Relations: []charmtest.Relation{peers(unit0)},
			Containers: []charmtest.Container{pgContainer()}}
		// A server per run: each fresh state makes a new operator password.
		ctx := &charmtest.Context{Charm: newFakeServer().charm(), Meta: meta}
		out := ctx.Run(t, charmtest.Hook(charm.ConfigChanged), in)
		if out.Err != nil {
			t.Fatalf("hook failed: %v", out.Err)
		}
		if st := out.State.UnitStatus; st.Name != "active" {
			t.Fatalf("valid config, status %+v", st)
		}
	})
}

// BenchmarkDispatchUpdateStatus is the update-status hook of a primary
// serving one relation, in-process: what every unit pays every five
// minutes (no SQL: the fingerprint matches).
func BenchmarkDispatchUpdateStatus(b *testing.B) {
	f := newFakeServer()
	ctx := newContext(b, f)
	in := charmtest.State{Leader: true, Relations: []charmtest.Relation{peers(""), clientRelation(relID, request(b, clientDB, "SUPERUSER"))},
		Containers: []charmtest.Container{pgContainer()}}
	out := ctx.Run(b, charmtest.Hook(charm.ConfigChanged), in)
	if out.Err != nil {
		b.Fatal(out.Err)
	}
	st := out.State
	st.Containers[0].Files[pgData+"/PG_VERSION"] = charmtest.File{Content: []byte("15\n")}
	ev := charmtest.Hook(charm.UpdateStatus)
	_, _, _, dials := f.snapshot()
	b.ReportAllocs()
	for b.Loop() {
		out := ctx.Run(b, ev, st)
		if out.Err != nil || out.State.UnitStatus.Message != msgPrimary {
			b.Fatal(out.Err, out.State.UnitStatus)
		}
	}
	if _, _, _, after := f.snapshot(); after != dials {
		b.Fatalf("update-status connected to the server %d times", after-dials)
	}
}

func pgUser(name string) pgadmin.User { return pgadmin.User{Name: name, Password: "x-" + name} }

func containsLine(lines []string, substr string) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, substr) })
}

// assertNoSecretLeak checks that a password shows nowhere a person or a
// log collector would see it: statuses, logs, errors, action messages.
func assertNoSecretLeak(t testing.TB, out charmtest.Output, secrets ...string) {
	t.Helper()
	places := append([]string{out.State.UnitStatus.Message, out.State.AppStatus.Message, out.ActionMessage}, out.Logs...)
	places = append(places, out.ActionLogs...)
	if out.Err != nil {
		places = append(places, out.Err.Error())
	}
	for _, c := range out.State.Containers {
		for _, cmd := range c.ExecLog {
			places = append(places, strings.Join(cmd, " "))
		}
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, p := range places {
			if strings.Contains(p, s) {
				t.Fatalf("a secret leaked into %q", p)
			}
		}
	}
}
