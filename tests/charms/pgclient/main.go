// Command dispatch is the pgclient test charm: a postgresql_client
// requirer (see charmcraft.yaml).
package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/postgresqlclient"
)

const endpoint = postgresqlclient.RequirerEndpoint

type pgclient struct{}

func main() { charm.Main(pgclient{}) }

func (pgclient) Actions() map[string]charm.ActionFunc {
	return map[string]charm.ActionFunc{"query": query}
}

// Reconcile asks for the configured database and says whether the
// provider answered.
func (pgclient) Reconcile(c *charm.Context) error {
	ctx := c.Context()
	cfg, err := c.Tools.ConfigGetAll(ctx)
	if err != nil {
		return err
	}
	db, _ := cfg["database"].(string)
	extra, _ := cfg["extra-user-roles"].(string)
	var roles []string
	for _, r := range strings.Split(extra, ",") {
		if r = strings.TrimSpace(r); r != "" {
			roles = append(roles, r)
		}
	}
	if err := postgresqlclient.RequestDatabase(c, endpoint, postgresqlclient.Request{Database: db, ExtraUserRoles: roles}); err != nil {
		return err
	}
	st := hooktool.Status{Name: hooktool.StatusActive, Message: "database ready"}
	_, err = postgresqlclient.ReadCredentials(c, endpoint)
	var nr *postgresqlclient.NotReadyError
	switch {
	case errors.As(err, &nr) && nr.NoRelation():
		st = hooktool.Status{Name: hooktool.StatusBlocked, Message: nr.Error()}
	case errors.As(err, &nr):
		st = hooktool.Status{Name: hooktool.StatusWaiting, Message: nr.Error()}
	case err != nil:
		return err
	}
	return c.Tools.StatusSet(ctx, st, false)
}

// query connects with the shared credentials and runs SELECT 1.
func query(c *charm.Context) error {
	ctx := c.Context()
	cr, err := postgresqlclient.ReadCredentials(c, endpoint)
	if err != nil {
		return c.Tools.ActionFail(ctx, fmt.Sprintf("no credentials: %v", err))
	}
	cc, err := pgconn.ParseConfig("sslmode=disable")
	if err != nil {
		return err
	}
	host, port, _ := strings.Cut(cr.Endpoints[0], ":")
	var p uint16 = 5432
	if port != "" {
		if _, err := fmt.Sscan(port, &p); err != nil {
			return c.Tools.ActionFail(ctx, "bad endpoint port")
		}
	}
	cc.Host, cc.Port, cc.User, cc.Password, cc.Database = host, p, cr.Username, cr.Password, cr.Database
	cc.TLSConfig, cc.Fallbacks, cc.ConnectTimeout = nil, nil, 10*time.Second
	conn, err := pgconn.ConnectConfig(ctx, cc)
	if err != nil {
		return c.Tools.ActionFail(ctx, fmt.Sprintf("connecting to %s as %s: %v", cr.Endpoints[0], cr.Username, err))
	}
	defer func() { _ = conn.Close(ctx) }()
	res := conn.ExecParams(ctx, "SELECT 1, current_user, current_database()", nil, nil, nil, nil).Read()
	if res.Err != nil || len(res.Rows) != 1 {
		return c.Tools.ActionFail(ctx, fmt.Sprintf("SELECT 1: %v", res.Err))
	}
	row := res.Rows[0]
	return c.Tools.ActionSet(ctx, map[string]string{"result": string(row[0]), "user": string(row[1]), "database": string(row[2])})
}
