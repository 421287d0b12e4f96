package relation

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

const metaYAML = `
name: hydra
type: charm
summary: test charm
description: test charm
provides:
  info:
    interface: test_info
  other:
    interface: test_info
requires:
  source:
    interface: test_source
    limit: 1
`

// fnCharm runs one function on every hook; tests capture its results.
type fnCharm func(c *charm.Context) error

func (f fnCharm) Reconcile(c *charm.Context) error { return f(c) }

func rel(endpoint string, id int, app string, local map[string]string) charmtest.Relation {
	return charmtest.Relation{Endpoint: endpoint, ID: id, RemoteApp: app, LocalAppData: local,
		RemoteUnits: map[int]map[string]string{0: {}}}
}

func localApp(st charmtest.State) map[int]map[string]string {
	out := map[int]map[string]string{}
	for _, r := range st.Relations {
		out[r.ID] = r.LocalAppData
	}
	return out
}

func TestPublishAppAndSetApp(t *testing.T) {
	t.Parallel()
	bag := map[string]string{"url": "https://hydra.example.com"}
	stale := map[string]string{"url": "https://old.example.com", "extra": "kept"}
	rels := []charmtest.Relation{rel("info", 1, "kratos", nil), rel("info", 2, "login-ui", stale), rel("other", 3, "grafana", nil)}
	for _, tc := range []struct {
		name   string
		leader bool
		ev     charm.Event
		do     func(c *charm.Context) error
		want   map[int]map[string]string
	}{
		{
			name: "leader writes every relation of the endpoint", leader: true, ev: charmtest.Hook(charm.ConfigChanged),
			do:   func(c *charm.Context) error { return PublishApp(c, "info", bag) },
			want: map[int]map[string]string{1: bag, 2: {"url": bag["url"], "extra": "kept"}, 3: nil},
		},
		{
			name: "non-leader writes nothing", ev: charmtest.Hook(charm.ConfigChanged),
			do:   func(c *charm.Context) error { return PublishApp(c, "info", bag) },
			want: map[int]map[string]string{1: nil, 2: stale, 3: nil},
		},
		{
			name: "a relation being broken is left out", leader: true, ev: charmtest.RelationEvent(charm.RelationBroken, rels[1], -1),
			do:   func(c *charm.Context) error { return PublishApp(c, "info", bag) },
			want: map[int]map[string]string{1: bag, 2: stale, 3: nil},
		},
		{
			name: "ClearMissing deletes owned keys no longer published", leader: true, ev: charmtest.Hook(charm.ConfigChanged),
			do: func(c *charm.Context) error {
				return PublishApp(c, "info", ClearMissing(map[string]string{"other": "x"}, "url", "other"))
			},
			want: map[int]map[string]string{1: {"other": "x"}, 2: {"other": "x", "extra": "kept"}, 3: nil},
		},
		{
			name: "SetApp writes one relation", leader: true, ev: charmtest.Hook(charm.ConfigChanged),
			do:   func(c *charm.Context) error { return SetApp(c, "other", 3, bag) },
			want: map[int]map[string]string{1: nil, 2: stale, 3: bag},
		},
		{
			name: "SetApp on a non-leader writes nothing", ev: charmtest.Hook(charm.ConfigChanged),
			do:   func(c *charm.Context) error { return SetApp(c, "other", 3, bag) },
			want: map[int]map[string]string{1: nil, 2: stale, 3: nil},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := charmtest.New(t, fnCharm(tc.do), metaYAML)
			out := h.MustRun(t, tc.ev, charmtest.State{Leader: tc.leader, Relations: rels})
			got := localApp(out)
			for id, want := range tc.want {
				if !maps.Equal(got[id], want) {
					t.Errorf("relation %d app databag = %v, want %v", id, got[id], want)
				}
			}
		})
	}
}

func TestClearMissing(t *testing.T) {
	t.Parallel()
	bag := map[string]string{"a": "1", "b": ""}
	got := ClearMissing(bag, "a", "b", "c")
	if want := map[string]string{"a": "1", "b": "", "c": ""}; !maps.Equal(got, want) {
		t.Errorf("ClearMissing = %v, want %v", got, want)
	}
	if _, changed := bag["c"]; changed {
		t.Error("ClearMissing changed its argument")
	}
}

func TestRemoteAppData(t *testing.T) {
	t.Parallel()
	type result struct {
		app string
		bag map[string]string
	}
	for _, tc := range []struct {
		name string
		rel  charmtest.Relation
		want result
	}{
		{"published", charmtest.Relation{Endpoint: "source", ID: 5, RemoteApp: "kratos", RemoteAppData: map[string]string{"k": "v"}},
			result{"kratos", map[string]string{"k": "v"}}},
		{"nothing yet", charmtest.Relation{Endpoint: "source", ID: 5, RemoteApp: "kratos"}, result{"kratos", map[string]string{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got result
			h := charmtest.New(t, fnCharm(func(c *charm.Context) (err error) {
				got.app, got.bag, err = RemoteAppData(c, 5)
				return err
			}), metaYAML)
			h.MustRun(t, charmtest.Hook(charm.UpdateStatus), charmtest.State{Relations: []charmtest.Relation{tc.rel}})
			if got.app != tc.want.app || !maps.Equal(got.bag, tc.want.bag) || got.bag == nil {
				t.Errorf("RemoteAppData = %q %v, want %q %v", got.app, got.bag, tc.want.app, tc.want.bag)
			}
		})
	}
}

// source is what First decodes in the tests: "url" is required.
type source struct{ URL string }

func decodeSource(bag map[string]string) (source, error) {
	u, err := databag.Required(bag, "url")
	if err != nil {
		return source{}, err
	}
	if u == "bad" {
		return source{}, databag.Errorf("url", "not a URL")
	}
	return source{URL: u}, nil
}

func TestFirst(t *testing.T) {
	t.Parallel()
	src := func(id int, data map[string]string) charmtest.Relation {
		return charmtest.Relation{Endpoint: "source", ID: id, RemoteApp: "kratos", RemoteAppData: data,
			RemoteUnits: map[int]map[string]string{0: {}}}
	}
	ok := map[string]string{"url": "https://kratos"}
	for _, tc := range []struct {
		name    string
		rels    []charmtest.Relation
		ev      charm.Event
		want    source
		wantErr string
		// notReady is the *NotReadyError expected, if any.
		notReady *NotReadyError
	}{
		{name: "no relation", ev: charmtest.Hook(charm.UpdateStatus),
			wantErr: "no source relation", notReady: &NotReadyError{Endpoint: "source", RelationID: -1}},
		{name: "relation being broken", rels: []charmtest.Relation{src(4, ok)}, ev: charmtest.RelationEvent(charm.RelationBroken, src(4, ok), -1),
			wantErr: "no source relation", notReady: &NotReadyError{Endpoint: "source", RelationID: -1}},
		{name: "nothing published", rels: []charmtest.Relation{src(4, nil)}, ev: charmtest.Hook(charm.UpdateStatus),
			wantErr: "source relation: url not published yet", notReady: &NotReadyError{Endpoint: "source", RelationID: 4, Key: "url"}},
		{name: "malformed", rels: []charmtest.Relation{src(4, map[string]string{"url": "bad"})}, ev: charmtest.Hook(charm.UpdateStatus),
			wantErr: `reading source relation 4: key "url": not a URL`},
		{name: "published", rels: []charmtest.Relation{src(4, ok)}, ev: charmtest.Hook(charm.UpdateStatus),
			want: source{URL: "https://kratos"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got source
			var err error
			h := charmtest.New(t, fnCharm(func(c *charm.Context) error {
				got, err = First(c, "source", decodeSource)
				return nil
			}), metaYAML)
			h.MustRun(t, tc.ev, charmtest.State{Relations: tc.rels})
			if got != tc.want {
				t.Errorf("First = %+v, want %+v", got, tc.want)
			}
			if msg := errText(err); msg != tc.wantErr {
				t.Errorf("error %q, want %q", msg, tc.wantErr)
			}
			var nr *NotReadyError
			switch {
			case tc.notReady == nil && errors.As(err, &nr):
				t.Errorf("unexpected *NotReadyError %+v", nr)
			case tc.notReady != nil && (!errors.As(err, &nr) || *nr != *tc.notReady):
				t.Errorf("error %#v, want %+v", err, tc.notReady)
			}
			if tc.name == "malformed" {
				var ke *databag.KeyError
				if !errors.As(err, &ke) || ke.Key != "url" {
					t.Errorf("malformed: %v does not wrap the key's *databag.KeyError", err)
				}
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestNotReadyError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err        *NotReadyError
		msg        string
		noRelation bool
		key        string
	}{
		{NotRelated("pg-database"), "no pg-database relation", true, ""},
		// A reason kept only for the caller's own use does not change
		// the message of an endpoint without relations.
		{&NotReadyError{Endpoint: "pg-database", RelationID: -1, Reason: "no relation"}, "no pg-database relation", true, ""},
		{&NotReadyError{Endpoint: "kratos-info", RelationID: 3, Key: "admin_endpoint"}, "kratos-info relation: admin_endpoint not published yet", false, "admin_endpoint"},
		// Merged across relations: no one relation, but a key.
		{&NotReadyError{Endpoint: "ui-endpoint-info", RelationID: -1, Key: "login_url"}, "ui-endpoint-info relation: login_url not published yet", false, "login_url"},
		{&NotReadyError{Endpoint: "pg-database", RelationID: 2, Key: "database", Reason: "waiting for the database to be created"},
			"pg-database relation: waiting for the database to be created", false, "database"},
		{&NotReadyError{Endpoint: "pg-database", RelationID: 2, Reason: "waiting for the remote application"},
			"pg-database relation: waiting for the remote application", false, ""},
		{&NotReadyError{Endpoint: "x", RelationID: 0}, "x relation: not ready", false, ""},
	} {
		if got := tc.err.Error(); got != tc.msg {
			t.Errorf("%+v: Error() = %q, want %q", *tc.err, got, tc.msg)
		}
		if got := tc.err.NoRelation(); got != tc.noRelation {
			t.Errorf("%+v: NoRelation() = %v", *tc.err, got)
		}
		key, ok := databag.MissingKey(tc.err)
		if key != tc.key || ok != (tc.key != "") {
			t.Errorf("%+v: missing key %q %v, want %q", *tc.err, key, ok, tc.key)
		}
		if tc.key == "" && tc.err.Unwrap() != nil {
			t.Errorf("%+v: Unwrap() = %v, want nil", *tc.err, tc.err.Unwrap())
		}
	}
}

// fakeTools answers hook tools in-process and records the calls, for what
// the harness cannot show: which tools were not run, and their failures.
type fakeTools struct {
	answer func(tool string, args []string) ([]byte, error)
	calls  *[]string
}

func (f fakeTools) Run(_ context.Context, tool string, args []string, _ []byte) ([]byte, error) {
	*f.calls = append(*f.calls, tool)
	return f.answer(tool, args)
}

func fakeContext(answer func(tool string, args []string) ([]byte, error)) (*charm.Context, *[]string) {
	calls := new([]string)
	c := charm.NewContext(context.Background(), charm.Env{UnitName: "hydra/0", AppName: "hydra"},
		charm.Event{RelationID: -1}, hooktool.New(fakeTools{answer, calls}), nil)
	return c, calls
}

func toolErr(tool, msg string) error {
	return &hooktool.Error{Tool: tool, Code: 1, Stderr: "ERROR " + msg + "\n"}
}

func TestToolsRunAndErrors(t *testing.T) {
	t.Parallel()
	bag := map[string]string{"url": "u"}
	for _, tc := range []struct {
		name      string
		do        func(c *charm.Context) error
		answers   map[string]string // tool → JSON output; a tool not here fails
		wantCalls []string
		wantErr   string
	}{
		{name: "no relation: is-leader is not asked",
			do: func(c *charm.Context) error { return PublishApp(c, "info", bag) }, answers: map[string]string{"relation-ids": `[]`},
			wantCalls: []string{"relation-ids"}},
		{name: "relation-ids fails",
			do:        func(c *charm.Context) error { return PublishApp(c, "info", bag) },
			wantCalls: []string{"relation-ids"}, wantErr: "publishing info: relation-ids: boom"},
		{name: "is-leader fails",
			do: func(c *charm.Context) error { return PublishApp(c, "info", bag) }, answers: map[string]string{"relation-ids": `["info:1"]`},
			wantCalls: []string{"relation-ids", "is-leader"}, wantErr: "publishing info: is-leader: boom"},
		{name: "relation-set fails",
			do: func(c *charm.Context) error { return PublishApp(c, "info", bag) }, answers: map[string]string{"relation-ids": `["info:1"]`, "is-leader": `true`},
			wantCalls: []string{"relation-ids", "is-leader", "relation-set"}, wantErr: "publishing info on relation 1: relation-set: boom"},
		{name: "WritableIDs: errors unwrapped",
			do: func(c *charm.Context) error {
				_, err := WritableIDs(c, "info")
				return err
			}, answers: map[string]string{"relation-ids": `["info:1"]`},
			wantCalls: []string{"relation-ids", "is-leader"}, wantErr: "is-leader: boom"},
		{name: "WritableIDs: the leader's relations",
			do: func(c *charm.Context) error {
				if ids, err := WritableIDs(c, "info"); err != nil || !slices.Equal(ids, []int{1, 4}) {
					return fmt.Errorf("WritableIDs = %v, %v", ids, err)
				}
				return nil
			}, answers: map[string]string{"relation-ids": `["info:4", "info:1"]`, "is-leader": `true`},
			wantCalls: []string{"relation-ids", "is-leader"}},
		{name: "WritableIDs: none on a non-leader",
			do: func(c *charm.Context) error {
				if ids, err := WritableIDs(c, "info"); err != nil || ids != nil {
					return fmt.Errorf("WritableIDs = %v, %v", ids, err)
				}
				return nil
			}, answers: map[string]string{"relation-ids": `["info:1"]`, "is-leader": `false`},
			wantCalls: []string{"relation-ids", "is-leader"}},
		{name: "SetApp is-leader fails",
			do:        func(c *charm.Context) error { return SetApp(c, "info", 1, bag) },
			wantCalls: []string{"is-leader"}, wantErr: "publishing info: is-leader: boom"},
		{name: "no remote app: relation-get is not run",
			do: func(c *charm.Context) error {
				app, bag, err := RemoteAppData(c, 1)
				if err == nil && (app != "" || bag == nil || len(bag) != 0) {
					return errors.New("want no app and an empty bag")
				}
				return err
			}, answers: map[string]string{"relation-list": `""`},
			wantCalls: []string{"relation-list"}},
		{name: "relation-get fails",
			do: func(c *charm.Context) error {
				_, _, err := RemoteAppData(c, 1)
				return err
			}, answers: map[string]string{"relation-list": `"kratos"`},
			wantCalls: []string{"relation-list", "relation-get"}, wantErr: "relation-get: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, calls := fakeContext(func(tool string, _ []string) ([]byte, error) {
				if out, ok := tc.answers[tool]; ok {
					return []byte(out), nil
				}
				return nil, toolErr(tool, "boom")
			})
			err := tc.do(c)
			if msg := errText(err); msg != tc.wantErr {
				t.Errorf("error %q, want %q", msg, tc.wantErr)
			}
			if !slices.Equal(*calls, tc.wantCalls) {
				t.Errorf("tools run %q, want %q", *calls, tc.wantCalls)
			}
		})
	}
}
