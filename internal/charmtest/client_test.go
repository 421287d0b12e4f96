package charmtest

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

// TestHooktoolClientAgainstJujuc drives the typed client through the
// harness, so every argv it builds is parsed by the Juju-faithful tools.
func TestHooktoolClientAgainstJujuc(t *testing.T) {
	t.Parallel()
	type step struct {
		name string
		run  func(ctx context.Context, c *hooktool.Client) (any, error)
		want any
	}
	var secretID string
	steps := []step{
		{"config", func(ctx context.Context, c *hooktool.Client) (any, error) { return c.ConfigGetAll(ctx) },
			map[string]any{"dev": false, "issuer": nil, "port": 4444.0}},
		{"leader", func(ctx context.Context, c *hooktool.Client) (any, error) { return c.IsLeader(ctx) }, true},
		{"relation ids", func(ctx context.Context, c *hooktool.Client) (any, error) { return c.RelationIDs(ctx, "db") }, []int{1}},
		{"relation list", func(ctx context.Context, c *hooktool.Client) (any, error) { return c.RelationList(ctx, 1) },
			[]string{"postgresql/0", "postgresql/10", "postgresql/2"}},
		{"remote app", func(ctx context.Context, c *hooktool.Client) (any, error) { return c.RelationRemoteApp(ctx, 1) }, "postgresql"},
		{"remote unit bag", func(ctx context.Context, c *hooktool.Client) (any, error) {
			return c.RelationGet(ctx, 1, "postgresql/0", false)
		},
			map[string]string{"host": "pg-0"}},
		{"remote app bag", func(ctx context.Context, c *hooktool.Client) (any, error) {
			return c.RelationGet(ctx, 1, "postgresql", true)
		},
			map[string]string{"endpoints": "pg:5432"}},
		{"own app bag", func(ctx context.Context, c *hooktool.Client) (any, error) {
			return c.RelationGet(ctx, 1, "hydra", true)
		},
			map[string]string{"app": "1"}},
		{"relation set", func(ctx context.Context, c *hooktool.Client) (any, error) {
			return nil, c.RelationSet(ctx, 1, true, map[string]string{"big": string(make([]byte, 200<<10)), "app": ""})
		}, nil},
		{"status", func(ctx context.Context, c *hooktool.Client) (any, error) {
			if err := c.StatusSet(ctx, hooktool.Status{Name: "waiting", Message: "db"}, true); err != nil {
				return nil, err
			}
			return c.StatusGet(ctx, true)
		}, hooktool.Status{Name: "waiting", Message: "db"}},
		{"state", func(ctx context.Context, c *hooktool.Client) (any, error) {
			if err := c.StateSet(ctx, map[string]string{"a": "1", "b": "-dash"}); err != nil {
				return nil, err
			}
			if err := c.StateDelete(ctx, "a"); err != nil {
				return nil, err
			}
			return c.StateGetAll(ctx)
		}, map[string]string{"b": "-dash"}},
		{"ports", func(ctx context.Context, c *hooktool.Client) (any, error) {
			if err := c.OpenPort(ctx, hooktool.TCPPort(4444)); err != nil {
				return nil, err
			}
			ports, err := c.OpenedPorts(ctx)
			return fmt.Sprint(ports), err
		}, "[4444/tcp]"},
		{"network", func(ctx context.Context, c *hooktool.Client) (any, error) {
			n, err := c.NetworkGet(ctx, "db", 1)
			return n.IngressAddress(), err
		}, "10.1.0.10"},
		{"goal state", func(ctx context.Context, c *hooktool.Client) (any, error) {
			gs, err := c.GoalState(ctx)
			return len(gs.Units), err
		}, 2},
		{"secret add", func(ctx context.Context, c *hooktool.Client) (any, error) {
			id, err := c.SecretAdd(ctx, map[string]string{"password": "p", "cert": "-----BEGIN-----"}, hooktool.SecretOptions{Label: "admin", Description: "admin creds", Rotate: "monthly"})
			secretID = id
			return nil, err
		}, nil},
		{"secret get by label", func(ctx context.Context, c *hooktool.Client) (any, error) {
			return c.SecretGet(ctx, hooktool.SecretRef{Label: "admin"}, hooktool.SecretGetOptions{})
		}, map[string]string{"password": "p", "cert": "-----BEGIN-----"}},
		{"secret grant and info", func(ctx context.Context, c *hooktool.Client) (any, error) {
			if err := c.SecretGrant(ctx, secretID, 1, ""); err != nil {
				return nil, err
			}
			info, err := c.SecretInfoGet(ctx, hooktool.SecretRef{Label: "admin"})
			return fmt.Sprint(info.Owner, info.Rotation, info.Description, info.Access), err
		}, "applicationmonthlyadmin creds[{application-postgresql relation-hydra.db#postgresql.database view}]"},
		{"secret ids", func(ctx context.Context, c *hooktool.Client) (any, error) {
			ids, err := c.SecretIDs(ctx)
			return len(ids), err
		}, 1},
	}
	var results []any
	var errs []error
	ch := inlineCharm{reconcile: func(cc *charm.Context) error {
		for _, s := range steps {
			got, err := s.run(cc.Context(), cc.Tools)
			results, errs = append(results, got), append(errs, err)
		}
		return nil
	}}
	in := testState()
	in.Leader = true
	out := (&Context{Charm: ch, Meta: testMeta()}).Run(t, Hook(charm.ConfigChanged), in)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	for i, s := range steps {
		if errs[i] != nil {
			t.Errorf("%s: %v", s.name, errs[i])
			continue
		}
		if s.want != nil && !reflect.DeepEqual(results[i], s.want) {
			t.Errorf("%s = %#v, want %#v", s.name, results[i], s.want)
		}
	}
	if got := out.State.Relations[0].LocalAppData; len(got["big"]) != 200<<10 || got["app"] != "" {
		t.Errorf("app bag after --file transport: %d bytes, app=%q", len(got["big"]), got["app"])
	}
	if len(out.State.Secrets) != 1 || out.State.Secrets[0].Grants[1][0] != "postgresql" {
		t.Errorf("secrets = %+v", out.State.Secrets)
	}
}
