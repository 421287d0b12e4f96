package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// TestPostgreSQL runs the postgresql-k8s charm with its real workload
// (PostgreSQL 15 in the unit's pod, started through Pebble) and the
// pgclient test charm as its requirer: the client gets a database and
// credentials through the postgresql_client relation and its action
// queries them; invalid extra-user-roles block; removing the relation
// drops the role and keeps the data; a second unit is a standby that
// says it is not supported.
func TestPostgreSQL(t *testing.T) {
	e := newEnv(t)
	if _, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: "test", Path: e.charm("postgresql-k8s"), ApplicationName: "postgresql-k8s",
		NumUnits: 1, NumUnitsSet: true, ConfigFlags: []string{"plugin_pg_trgm_enable=true"},
		Resources: map[string]string{"postgresql-image": "docker.io/library/postgres:15"}}, nil); err != nil {
		t.Fatal(err)
	}
	e.deploy(e.charm("pgclient"), "pgclient", 1)
	e.settle()
	pgStatus := func() api.DetailedStatus {
		return e.status().Applications["postgresql-k8s"].Units["postgresql-k8s/0"].WorkloadStatus
	}
	clientStatus := func() api.DetailedStatus {
		return e.status().Applications["pgclient"].Units["pgclient/0"].WorkloadStatus
	}
	if st := pgStatus(); st.Status != "active" || st.Info != "Primary" {
		e.dumpLog()
		t.Fatalf("postgresql-k8s/0 before any relation: %+v", st)
	}
	if st := e.status().Applications["postgresql-k8s"]; st.Status.Status != "active" || st.Status.Info != "Primary" || !strings.HasPrefix(st.WorkloadVersion, "15.") {
		t.Errorf("application: %+v, workload version %q", st.Status, st.WorkloadVersion)
	}

	rel, err := e.c.Integrate(e.ctx, api.IntegrateRequest{Model: "test", Endpoints: []string{"pgclient:pg-database", "postgresql-k8s:database"}})
	if err != nil {
		t.Fatal(err)
	}
	e.settle()
	if st := clientStatus(); st.Status != "active" || st.Info != "database ready" {
		e.dumpLog()
		t.Fatalf("pgclient/0: %+v", st)
	}
	if st := pgStatus(); st.Status != "active" || st.Info != "Primary" {
		e.dumpLog()
		t.Fatalf("postgresql-k8s/0: %+v", st)
	}
	user := fmt.Sprintf("relation_id_%d", rel.ID)

	// The client connects to postgresql-k8s.test.svc.cluster.local with
	// the credentials from its secret.
	res := e.run("pgclient/0", "query")
	if res.Status != "completed" || res.Output["result"] != "1" || res.Output["user"] != user || res.Output["database"] != "pgclient" {
		e.dumpLog()
		t.Fatalf("query: %+v", res)
	}

	// What the operator sees, connecting from outside with get-password.
	op := pgOperator(t, e)
	if got := pgValue(t, op, "SELECT rolsuper::text FROM pg_roles WHERE rolname = $1", user); got != "true" {
		t.Errorf("%s superuser = %q", user, got)
	}
	if got := pgValue(t, op, "SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'pgclient'"); got != "operator" {
		t.Errorf("database owner %q", got)
	}
	opDB := pgOperatorTo(t, e, "pgclient")
	if got := pgValue(t, opDB, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'"); got != "1" {
		t.Errorf("pg_trgm in pgclient: %s", got)
	}
	if got := pgValue(t, opDB, "SELECT pg_catalog.pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'"); got != user {
		t.Errorf("public schema owned by %q, want %s", got, user)
	}
	if err := pgExec(t, opDB, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}

	// Extra user roles that name no role block the provider.
	pgSetConfig(t, e, "pgclient", "extra-user-roles=nosuchrole")
	if st := pgStatus(); st.Status != "blocked" || st.Info != "invalid role(s) for extra user roles: nosuchrole (asked for by pgclient)" {
		e.dumpLog()
		t.Fatalf("postgresql-k8s/0 with an invalid role: %+v", st)
	}
	pgSetConfig(t, e, "pgclient", "extra-user-roles=SUPERUSER")
	if st := pgStatus(); st.Status != "active" || st.Info != "Primary" {
		t.Fatalf("postgresql-k8s/0 after the fix: %+v", st)
	}

	// The relation goes: the role with it, not the data.
	if err := e.c.RemoveRelation(e.ctx, api.RemoveRelationRequest{Model: "test", Endpoints: []string{"pgclient:pg-database", "postgresql-k8s:database"}}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got := pgValue(t, op, "SELECT count(*) FROM pg_roles WHERE rolname = $1", user); got != "0" {
		e.dumpLog()
		t.Errorf("role %s still exists", user)
	}
	if got := pgValue(t, opDB, "SELECT x FROM kept"); got != "42" {
		t.Errorf("data lost: %q", got)
	}
	secrets, err := e.c.Secrets(e.ctx, api.SecretsRequest{Model: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.HasPrefix(s.Label, fmt.Sprintf("database.%d.", rel.ID)) {
			t.Errorf("the relation's secret %s (%s) is still there", s.URI, s.Label)
		}
	}
	if st := pgStatus(); st.Status != "active" || st.Info != "Primary" {
		t.Errorf("postgresql-k8s/0 after remove-relation: %+v", st)
	}

	// A second unit is a standby the charm does not support yet.
	if _, err := e.c.Scale(e.ctx, api.ScaleRequest{Model: "test", Application: "postgresql-k8s", Delta: 1}); err != nil {
		t.Fatal(err)
	}
	e.settle()
	units := e.status().Applications["postgresql-k8s"].Units
	if st := units["postgresql-k8s/1"].WorkloadStatus; st.Status != "blocked" || !strings.HasPrefix(st.Info, "Standby replicas are not supported yet") {
		t.Errorf("postgresql-k8s/1: %+v", st)
	}
	if st := units["postgresql-k8s/0"].WorkloadStatus; st.Status != "active" || st.Info != "Primary (degraded)" {
		t.Errorf("postgresql-k8s/0 with a standby: %+v", st)
	}

	// set-password: the server and the secret take the new password.
	old := e.run("postgresql-k8s/0", "get-password").Output["password"].(string)
	if res := e.run("postgresql-k8s/0", "set-password", "password=Another-Operator-Pw-42"); res.Status != "completed" {
		t.Fatalf("set-password: %+v", res)
	}
	if got := e.run("postgresql-k8s/0", "get-password").Output["password"]; got != "Another-Operator-Pw-42" {
		t.Errorf("get-password after set-password: %v", got)
	}
	if got := pgValue(t, pgOperator(t, e), "SELECT current_user"); got != "operator" {
		t.Errorf("current_user %q", got)
	}
	if res := e.run("postgresql-k8s/1", "set-password"); res.Status != "failed" || res.Message != "set-password must run on the leader unit" {
		t.Errorf("set-password on a standby: %+v", res)
	}

	// Pod churn: fresh containers, the cluster on the storage is reused.
	e.restart()
	e.settle()
	if st := pgStatus(); st.Status != "active" || st.Info != "Primary (degraded)" {
		e.dumpLog()
		t.Fatalf("postgresql-k8s/0 after a restart: %+v", st)
	}
	opDB = pgOperatorTo(t, e, "pgclient")
	if got := pgValue(t, opDB, "SELECT x FROM kept"); got != "42" {
		t.Errorf("data after a restart: %q", got)
	}

	// No password in the model's log.
	_ = e.c.DebugLog(e.ctx, api.DebugLogRequest{Model: "test", Replay: true, NoTail: true}, func(r api.LogRecord) error {
		for _, pw := range []string{old, "Another-Operator-Pw-42"} {
			if strings.Contains(r.Message, pw) {
				t.Errorf("an operator password is in the log: %s %s", r.Entity, r.Module)
			}
		}
		return nil
	})
}

func pgSetConfig(t *testing.T, e *env, app string, args ...string) {
	t.Helper()
	if err := e.c.SetConfig(e.ctx, api.SetConfigRequest{Model: "test", Application: app, Args: args}); err != nil {
		t.Fatal(err)
	}
	e.settle()
}

// pgOperator connects from the host to postgresql-k8s/0's pod as
// the operator, with the password get-password returns.
func pgOperator(t *testing.T, e *env) *pgconn.PgConn { return pgOperatorTo(t, e, "postgres") }

func pgOperatorTo(t *testing.T, e *env, db string) *pgconn.PgConn {
	t.Helper()
	res := e.run("postgresql-k8s/0", "get-password")
	pw, _ := res.Output["password"].(string)
	if res.Status != "completed" || pw == "" {
		t.Fatalf("get-password: %+v", res)
	}
	addr := e.status().Applications["postgresql-k8s"].Units["postgresql-k8s/0"].Address
	cfg, err := pgconn.ParseConfig("sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host, cfg.Port, cfg.User, cfg.Password, cfg.Database = addr, 5432, "operator", pw, db
	cfg.TLSConfig, cfg.Fallbacks, cfg.ConnectTimeout = nil, nil, 10*time.Second
	conn, err := pgconn.ConnectConfig(e.ctx, cfg)
	if err != nil {
		t.Fatalf("connecting to %s as operator: %v", addr, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func pgValue(t *testing.T, conn *pgconn.PgConn, sql string, args ...string) string {
	t.Helper()
	params := make([][]byte, len(args))
	for i, a := range args {
		params[i] = []byte(a)
	}
	res := conn.ExecParams(context.Background(), sql, params, nil, nil, nil).Read()
	if res.Err != nil {
		t.Fatalf("%s: %v", sql, res.Err)
	}
	if len(res.Rows) != 1 {
		t.Fatalf("%s: %d rows", sql, len(res.Rows))
	}
	return string(res.Rows[0][0])
}

func pgExec(t *testing.T, conn *pgconn.PgConn, sql string) error {
	t.Helper()
	_, err := conn.Exec(context.Background(), sql).ReadAll()
	return err
}
