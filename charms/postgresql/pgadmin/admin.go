// Package pgadmin is the postgresql-k8s charm's administration of its
// PostgreSQL server over pgx: roles for relation users, their databases,
// extensions, configuration reloads. It knows SQL and PostgreSQL, not
// Juju: the charm decides what should exist, this package makes it so,
// idempotently (reading before writing, so that a second run with the
// same input changes nothing).
//
// Passwords are sent as SCRAM-SHA-256 verifiers computed here
// (ScramVerifier), inside transactions that also turn statement logging
// off, so a password never reaches the server's log; errors never quote
// statements or values.
package pgadmin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrAuth is wrapped by Dial's error when the server refused the
// credentials (wrong password, or no pg_hba.conf entry for the user).
var ErrAuth = errors.New("authentication failed")

// Config says how to reach the server.
type Config struct {
	Host     string
	Port     uint16
	User     string
	Password string
	// Database is the maintenance database (postgres when empty).
	Database       string
	ConnectTimeout time.Duration
}

// Admin is one superuser session on the maintenance database; other
// databases are visited with short-lived connections of the same user.
type Admin struct {
	cfg  Config
	conn *pgconn.PgConn
}

// Dial connects as cfg.User. Refused credentials give an error wrapping
// ErrAuth; errors never include the password.
func Dial(ctx context.Context, cfg Config) (*Admin, error) {
	if cfg.Database == "" {
		cfg.Database = "postgres"
	}
	conn, err := connect(ctx, cfg, cfg.Database)
	if err != nil {
		return nil, err
	}
	return &Admin{cfg: cfg, conn: conn}, nil
}

func connect(ctx context.Context, cfg Config, database string) (*pgconn.PgConn, error) {
	// ParseConfig of a DSN without secrets, then the fields: the password
	// never goes through a string that a parse error could quote.
	cc, err := pgconn.ParseConfig("sslmode=disable")
	if err != nil {
		return nil, fmt.Errorf("connection config: %w", err)
	}
	cc.Host, cc.Port, cc.User, cc.Password, cc.Database = cfg.Host, cfg.Port, cfg.User, cfg.Password, database
	cc.Fallbacks = nil
	cc.TLSConfig = nil
	cc.ConnectTimeout = cfg.ConnectTimeout
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = 5 * time.Second
	}
	cc.RuntimeParams = map[string]string{"application_name": "postgresql-k8s-charm"}
	conn, err := pgconn.ConnectConfig(ctx, cc)
	if err != nil {
		if isAuthError(err) {
			return nil, fmt.Errorf("connecting to database %s as %s: %w", database, cfg.User, ErrAuth)
		}
		return nil, fmt.Errorf("connecting to database %s as %s: %w", database, cfg.User, err)
	}
	return conn, nil
}

// query runs one statement with text parameters and returns its rows as
// text (NULL reads as ""). pgconn, not pgx: the charm needs no type
// system, and pgx's would make the charm binary half as big again.
func query(ctx context.Context, conn *pgconn.PgConn, sql string, args ...string) ([][]string, error) {
	params := make([][]byte, len(args))
	for i, a := range args {
		params[i] = []byte(a)
	}
	res := conn.ExecParams(ctx, sql, params, nil, nil, nil).Read()
	if res.Err != nil {
		return nil, res.Err
	}
	rows := make([][]string, len(res.Rows))
	for i, r := range res.Rows {
		rows[i] = make([]string, len(r))
		for j, v := range r {
			rows[i][j] = string(v)
		}
	}
	return rows, nil
}

// column runs a query and returns its first column.
func column(ctx context.Context, conn *pgconn.PgConn, sql string, args ...string) ([]string, error) {
	rows, err := query(ctx, conn, sql, args...)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r[0])
	}
	return out, nil
}

// value runs a query that returns one value.
func value(ctx context.Context, conn *pgconn.PgConn, sql string, args ...string) (string, error) {
	rows, err := query(ctx, conn, sql, args...)
	if err != nil {
		return "", err
	}
	if len(rows) != 1 || len(rows[0]) != 1 {
		return "", fmt.Errorf("expected one value, got %d rows", len(rows))
	}
	return rows[0][0], nil
}

// execSQL runs one statement without parameters (the simple protocol; DDL
// takes no parameters anyway).
func execSQL(ctx context.Context, conn *pgconn.PgConn, sql string) error {
	_, err := conn.Exec(ctx, sql).ReadAll()
	return err
}

// isAuthError: 28P01 invalid_password, 28000
// invalid_authorization_specification (no pg_hba.conf entry).
func isAuthError(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "28P01" || pe.Code == "28000")
}

// Close ends the session.
func (a *Admin) Close(ctx context.Context) error { return a.conn.Close(ctx) }

// ident quotes an identifier.
func ident(name string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(name, "\x00", ""), `"`, `""`) + `"`
}

// textArray renders a text[] literal for a parameter.
func textArray(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	return "{" + strings.Join(q, ",") + "}"
}

// literal quotes a string constant (standard_conforming_strings is on by
// default since 9.1, so only quotes need doubling).
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Version is the server version's number, e.g. "15.18" (SHOW
// server_version says "15.18 (Debian 15.18-0+deb12u1)").
func (a *Admin) Version(ctx context.Context) (string, error) {
	v, err := value(ctx, a.conn, "SHOW server_version")
	if err != nil {
		return "", fmt.Errorf("reading the server version: %w", err)
	}
	if f := strings.Fields(v); len(f) > 0 {
		return f[0], nil
	}
	return v, nil
}

// Reload makes the server re-read postgresql.conf and pg_hba.conf and
// returns the parameters that changed but need a restart to apply.
func (a *Admin) Reload(ctx context.Context) (pendingRestart []string, err error) {
	before, err := value(ctx, a.conn, "SELECT pg_conf_load_time()::text")
	if err != nil {
		return nil, fmt.Errorf("reloading the configuration: %w", err)
	}
	if err := execSQL(ctx, a.conn, "SELECT pg_reload_conf()"); err != nil {
		return nil, fmt.Errorf("reloading the configuration: %w", err)
	}
	// pg_reload_conf only signals the postmaster, which signals the
	// backends; this session shows the new settings (and pending_restart)
	// once its pg_conf_load_time has moved.
	for deadline := time.Now().Add(5 * time.Second); ; {
		moved, err := value(ctx, a.conn, "SELECT pg_conf_load_time() > $1::timestamptz", before)
		if err != nil {
			return nil, fmt.Errorf("reloading the configuration: %w", err)
		}
		if moved == "t" {
			break
		}
		if time.Now().After(deadline) {
			return nil, errors.New("reloading the configuration: the server did not re-read it within 5s")
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return nil, err
		}
	}
	names, err := column(ctx, a.conn, "SELECT name FROM pg_settings WHERE pending_restart ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("reading pending restarts: %w", err)
	}
	return names, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ExistingRoles returns those of names that are roles on the server.
func (a *Admin) ExistingRoles(ctx context.Context, names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	out, err := column(ctx, a.conn, "SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[]) ORDER BY rolname", textArray(names))
	if err != nil {
		return nil, fmt.Errorf("listing roles: %w", err)
	}
	return out, nil
}

// RolesWithPrefix lists the roles whose names start with prefix.
func (a *Admin) RolesWithPrefix(ctx context.Context, prefix string) ([]string, error) {
	out, err := column(ctx, a.conn, "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1::text) ORDER BY rolname", prefix)
	if err != nil {
		return nil, fmt.Errorf("listing roles: %w", err)
	}
	return out, nil
}

// User is a login role as the charm wants it.
type User struct {
	Name     string
	Password string
	// Superuser, CreateDB and CreateRole are the role's attributes;
	// whatever is not asked for is taken away.
	Superuser, CreateDB, CreateRole bool
	// MemberOf are roles granted to the user; memberships not listed are
	// revoked.
	MemberOf []string
}

// EnsureUser creates the login role or brings an existing one in line:
// password, attributes, memberships. Nothing is written when the role is
// already as wanted.
func (a *Admin) EnsureUser(ctx context.Context, u User) error {
	if err := CheckPassword(u.Password); err != nil {
		return fmt.Errorf("role %s: %w", u.Name, err)
	}
	rows, err := query(ctx, a.conn, `
		SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, coalesce(rolpassword, '')
		FROM pg_authid WHERE rolname = $1::text`, u.Name)
	if err != nil {
		return fmt.Errorf("reading role %s: %w", u.Name, err)
	}
	exists := len(rows) == 1
	var login, super, createDB, createRole bool
	var stored string
	if exists {
		r := rows[0]
		login, super, createDB, createRole, stored = r[0] == "t", r[1] == "t", r[2] == "t", r[3] == "t", r[4]
	}
	member, err := column(ctx, a.conn, `
		SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid
		JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1::text ORDER BY 1`, u.Name)
	if err != nil {
		return fmt.Errorf("reading role %s: %w", u.Name, err)
	}
	passwordOK := exists && VerifierMatches(stored, u.Password)
	attrsOK := exists && login && super == u.Superuser && createDB == u.CreateDB && createRole == u.CreateRole
	want := slices.Compact(slices.Sorted(slices.Values(u.MemberOf)))
	var grant, revoke []string
	for _, r := range want {
		if !slices.Contains(member, r) {
			grant = append(grant, r)
		}
	}
	for _, r := range member {
		if !slices.Contains(want, r) {
			revoke = append(revoke, r)
		}
	}
	if passwordOK && attrsOK && len(grant) == 0 && len(revoke) == 0 {
		return nil
	}

	attrs := []string{"LOGIN", flag(u.Superuser, "SUPERUSER"), flag(u.CreateDB, "CREATEDB"), flag(u.CreateRole, "CREATEROLE")}
	var stmts []string
	verb := "ALTER"
	if !exists {
		verb = "CREATE"
	}
	stmt := fmt.Sprintf("%s ROLE %s WITH %s", verb, ident(u.Name), strings.Join(attrs, " "))
	if !passwordOK {
		verifier, err := ScramVerifier(u.Password)
		if err != nil {
			return fmt.Errorf("role %s: %w", u.Name, err)
		}
		stmt += " PASSWORD " + literal(verifier)
	}
	stmts = append(stmts, stmt)
	for _, r := range grant {
		stmts = append(stmts, fmt.Sprintf("GRANT %s TO %s", ident(r), ident(u.Name)))
	}
	for _, r := range revoke {
		stmts = append(stmts, fmt.Sprintf("REVOKE %s FROM %s", ident(r), ident(u.Name)))
	}
	if err := a.quietTx(ctx, stmts); err != nil {
		return fmt.Errorf("%s role %s: %w", strings.ToLower(verb)+"ing", u.Name, err)
	}
	return nil
}

func flag(on bool, name string) string {
	if on {
		return name
	}
	return "NO" + name
}

// SetPassword sets a role's password (the operator's, for the
// set-password action).
func (a *Admin) SetPassword(ctx context.Context, role, password string) error {
	verifier, err := ScramVerifier(password)
	if err != nil {
		return err
	}
	if err := a.quietTx(ctx, []string{fmt.Sprintf("ALTER ROLE %s WITH PASSWORD %s", ident(role), literal(verifier))}); err != nil {
		return fmt.Errorf("setting the password of %s: %w", role, err)
	}
	return nil
}

// quietTx runs stmts in one transaction with statement logging off: the
// reference charm's SET LOCAL log_statement='none', and also
// log_min_error_statement, without which a failing statement is logged
// whatever log_statement says.
func (a *Admin) quietTx(ctx context.Context, stmts []string) (err error) {
	// One statement per round trip: the simple protocol logs a
	// multi-statement string whole, before any SET in it applies.
	if err := execSQL(ctx, a.conn, "BEGIN"); err != nil {
		return sqlError(err)
	}
	defer func() {
		if err != nil {
			_ = execSQL(context.WithoutCancel(ctx), a.conn, "ROLLBACK")
		}
	}()
	all := append([]string{"SET LOCAL log_statement = 'none'", "SET LOCAL log_min_error_statement = 'panic'"}, stmts...)
	for _, s := range all {
		if err := execSQL(ctx, a.conn, s); err != nil {
			// The statement may hold a verifier: say which kind failed
			// and the server's error, never the text.
			return sqlError(err)
		}
	}
	return sqlError(execSQL(ctx, a.conn, "COMMIT"))
}

// sqlError keeps a server error's code and message only (the message
// never echoes the statement).
func sqlError(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s (SQLSTATE %s)", pe.Message, pe.Code)
	}
	return err
}

// Database is a relation's database as the charm wants it.
type Database struct {
	Name string
	// User gets every privilege on the database.
	User string
	// Sole: the user is the only relation user of the database, and then
	// owns its schemas and their tables, sequences, views and routines;
	// otherwise it gets privileges on them.
	Sole bool
	// GrantTo are further roles granted every privilege on the database
	// (the admin role).
	GrantTo []string
	// Extensions maps an extension to whether it should be installed;
	// false drops it when no object depends on it.
	Extensions map[string]bool
}

// ExtensionInUseError is a disabled extension that objects still depend
// on (SQLSTATE 2BP01): it stays installed.
type ExtensionInUseError struct {
	Database, Extension string
}

func (e *ExtensionInUseError) Error() string {
	return fmt.Sprintf("cannot drop extension %s from database %s: objects depend on it", e.Extension, e.Database)
}

// EnsureDatabase creates the database if it is missing and applies the
// privileges, ownership and extensions, as the reference charm's
// create_database does. Data is never dropped.
func (a *Admin) EnsureDatabase(ctx context.Context, d Database) error {
	exists, err := value(ctx, a.conn, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1::text)", d.Name)
	if err != nil {
		return fmt.Errorf("looking up database %s: %w", d.Name, err)
	}
	if exists != "t" {
		if err := execSQL(ctx, a.conn, "CREATE DATABASE "+ident(d.Name)); err != nil {
			return fmt.Errorf("creating database %s: %w", d.Name, sqlError(err))
		}
	}
	grantees := []string{ident(d.User)}
	for _, r := range d.GrantTo {
		grantees = append(grantees, ident(r))
	}
	for _, s := range []string{
		"REVOKE ALL PRIVILEGES ON DATABASE " + ident(d.Name) + " FROM PUBLIC",
		"GRANT ALL PRIVILEGES ON DATABASE " + ident(d.Name) + " TO " + strings.Join(grantees, ", "),
	} {
		if err := execSQL(ctx, a.conn, s); err != nil {
			return fmt.Errorf("privileges on database %s: %w", d.Name, sqlError(err))
		}
	}
	conn, err := connect(ctx, a.cfg, d.Name)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if err := schemaAccess(ctx, conn, d); err != nil {
		return fmt.Errorf("database %s: %w", d.Name, err)
	}
	return extensions(ctx, conn, d)
}

// userSchemas lists the schemas of the current database that are not
// PostgreSQL's own.
const userSchemas = `
	SELECT nspname FROM pg_namespace
	WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\_%'
	ORDER BY nspname`

// ownershipStatements lists the ALTER … OWNER statements that give $1
// the schemas and their objects, skipping extension members and the
// sequences a column owns (they follow their table).
const ownershipStatements = `
	WITH target AS (SELECT oid FROM pg_roles WHERE rolname = $1::text),
	     schemas AS (
		SELECT oid, nspname, nspowner FROM pg_namespace
		WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\_%'),
	     members AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e')
	SELECT format('ALTER SCHEMA %I OWNER TO %I', s.nspname, $1::text)
	FROM schemas s WHERE s.nspowner <> (SELECT oid FROM target)
	  AND NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_namespace'::regclass AND m.objid = s.oid)
	UNION ALL
	SELECT format('ALTER %s %I.%I OWNER TO %I',
		CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
		               WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
		s.nspname, c.relname, $1::text)
	FROM pg_class c JOIN schemas s ON s.oid = c.relnamespace
	WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.relowner <> (SELECT oid FROM target)
	  AND NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_class'::regclass AND m.objid = c.oid)
	  AND NOT (c.relkind = 'S' AND EXISTS (
		SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
		  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
	UNION ALL
	SELECT format('ALTER ROUTINE %I.%I(%s) OWNER TO %I', s.nspname, p.proname, pg_get_function_identity_arguments(p.oid), $1::text)
	FROM pg_proc p JOIN schemas s ON s.oid = p.pronamespace
	WHERE p.proowner <> (SELECT oid FROM target)
	  AND NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_proc'::regclass AND m.objid = p.oid)`

func schemaAccess(ctx context.Context, conn *pgconn.PgConn, d Database) error {
	var stmts []string
	if d.Sole {
		var err error
		if stmts, err = column(ctx, conn, ownershipStatements, d.User); err != nil {
			return fmt.Errorf("listing objects to hand over: %w", err)
		}
	} else {
		schemas, err := column(ctx, conn, userSchemas)
		if err != nil {
			return fmt.Errorf("listing schemas: %w", err)
		}
		u := ident(d.User)
		for _, s := range schemas {
			s = ident(s)
			stmts = append(stmts,
				"GRANT USAGE, CREATE ON SCHEMA "+s+" TO "+u,
				"GRANT ALL ON ALL TABLES IN SCHEMA "+s+" TO "+u,
				"GRANT ALL ON ALL SEQUENCES IN SCHEMA "+s+" TO "+u,
				"GRANT ALL ON ALL FUNCTIONS IN SCHEMA "+s+" TO "+u)
		}
	}
	for _, s := range stmts {
		if err := execSQL(ctx, conn, s); err != nil {
			return fmt.Errorf("granting access to %s: %w", d.User, sqlError(err))
		}
	}
	return nil
}

func extensions(ctx context.Context, conn *pgconn.PgConn, d Database) error {
	var inUse error
	for _, name := range slices.Sorted(maps.Keys(d.Extensions)) {
		stmt := "CREATE EXTENSION IF NOT EXISTS " + ident(name)
		if !d.Extensions[name] {
			stmt = "DROP EXTENSION IF EXISTS " + ident(name)
		}
		err := execSQL(ctx, conn, stmt)
		var pe *pgconn.PgError
		switch {
		case errors.As(err, &pe) && pe.Code == "2BP01":
			inUse = errors.Join(inUse, &ExtensionInUseError{Database: d.Name, Extension: name})
		case err != nil:
			return fmt.Errorf("extension %s in database %s: %w", name, d.Name, sqlError(err))
		}
	}
	return inUse
}

// DropUser takes a relation user away: no more logins, its sessions
// ended, what it owns in every database handed to reassignTo (the data
// is kept), its privileges dropped, then the role. A role that does not
// exist is not an error.
func (a *Admin) DropUser(ctx context.Context, name, reassignTo string) error {
	wrap := func(err error) error { return fmt.Errorf("dropping role %s: %w", name, sqlError(err)) }
	exists, err := value(ctx, a.conn, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1::text)", name)
	if err != nil {
		return wrap(err)
	}
	if exists != "t" {
		return nil
	}
	if err := execSQL(ctx, a.conn, "ALTER ROLE "+ident(name)+" NOLOGIN"); err != nil {
		return wrap(err)
	}
	if _, err := query(ctx, a.conn, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1::text AND pid <> pg_backend_pid()", name); err != nil {
		return wrap(err)
	}
	dbs, err := column(ctx, a.conn, "SELECT datname FROM pg_database WHERE datallowconn ORDER BY datname")
	if err != nil {
		return wrap(err)
	}
	for _, db := range dbs {
		conn, err := connect(ctx, a.cfg, db)
		if err != nil {
			return wrap(err)
		}
		for _, s := range []string{
			"REASSIGN OWNED BY " + ident(name) + " TO " + ident(reassignTo),
			"DROP OWNED BY " + ident(name),
		} {
			if err = execSQL(ctx, conn, s); err != nil {
				break
			}
		}
		_ = conn.Close(context.WithoutCancel(ctx))
		if err != nil {
			return fmt.Errorf("dropping role %s: database %s: %w", name, db, sqlError(err))
		}
	}
	if err := execSQL(ctx, a.conn, "DROP ROLE IF EXISTS "+ident(name)); err != nil {
		return wrap(err)
	}
	return nil
}

// EnsureGroup creates a NOLOGIN role that is a member of memberOf, when
// it does not exist (the reference charm's admin role).
func (a *Admin) EnsureGroup(ctx context.Context, name string, memberOf ...string) error {
	exists, err := value(ctx, a.conn, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1::text)", name)
	if err != nil {
		return fmt.Errorf("looking up role %s: %w", name, err)
	}
	if exists == "t" {
		return nil
	}
	stmt := "CREATE ROLE " + ident(name) + " NOLOGIN"
	if len(memberOf) > 0 {
		q := make([]string, len(memberOf))
		for i, r := range memberOf {
			q[i] = ident(r)
		}
		stmt += " IN ROLE " + strings.Join(q, ", ")
	}
	if err := execSQL(ctx, a.conn, stmt); err != nil {
		return fmt.Errorf("creating role %s: %w", name, sqlError(err))
	}
	return nil
}

// TerminateSessions ends every client session but this one: before a
// restart, since the SIGTERM Pebble stops the server with asks
// PostgreSQL for a smart shutdown, which waits for clients to leave.
func (a *Admin) TerminateSessions(ctx context.Context) error {
	err := execSQL(ctx, a.conn, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'")
	if err != nil {
		return fmt.Errorf("ending client sessions: %w", err)
	}
	return nil
}
