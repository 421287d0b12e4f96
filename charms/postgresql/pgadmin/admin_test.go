package pgadmin

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestScramVerifier(t *testing.T) {
	t.Parallel()
	v, err := ScramVerifier("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v, "SCRAM-SHA-256$4096:") {
		t.Errorf("verifier %q", v)
	}
	for _, tc := range []struct {
		stored, password string
		want             bool
	}{
		{v, "correct horse", true},
		{v, "correct horsE", false},
		{v, "", false},
		{"md5abcdef", "correct horse", false},
		{"SCRAM-SHA-256$x:c2FsdA==$a:b", "correct horse", false},
		{"SCRAM-SHA-256$4096:!!$a:b", "correct horse", false},
		{"SCRAM-SHA-256$4096", "correct horse", false},
	} {
		if got := VerifierMatches(tc.stored, tc.password); got != tc.want {
			t.Errorf("VerifierMatches(%q, %q) = %v", tc.stored, tc.password, got)
		}
	}
	for _, bad := range []string{"", "naïve", "tab\there", "nl\n"} {
		if _, err := ScramVerifier(bad); err == nil {
			t.Errorf("ScramVerifier(%q) accepted", bad)
		}
	}
}

// TestAgainstPostgreSQL runs the administration against a real
// PostgreSQL 15 whose every statement is logged.
func TestAgainstPostgreSQL(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := t.Context()
	a := s.admin(t)

	t.Run("version", func(t *testing.T) {
		v, err := a.Version(ctx)
		if err != nil || !strings.HasPrefix(v, "15.") || strings.Contains(v, " ") {
			t.Errorf("Version = %q, %v", v, err)
		}
	})

	t.Run("wrong password is ErrAuth", func(t *testing.T) {
		_, err := s.as(t, "operator", "nope", "postgres")
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("err = %v, want ErrAuth", err)
		}
		if strings.Contains(err.Error(), "nope") {
			t.Errorf("error quotes the password: %v", err)
		}
	})

	t.Run("user lifecycle", func(t *testing.T) {
		const pw1, pw2 = "Pw-one-1234567890", "Pw-two-1234567890"
		if err := a.EnsureGroup(ctx, "admin", "pg_read_all_data", "pg_write_all_data"); err != nil {
			t.Fatal(err)
		}
		if err := a.EnsureGroup(ctx, "admin", "pg_read_all_data"); err != nil {
			t.Fatalf("second EnsureGroup: %v", err)
		}
		u := User{Name: "relation_id_7", Password: pw1, CreateDB: true, MemberOf: []string{"admin"}}
		if err := a.EnsureUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		stored := rolpassword(t, a, u.Name)
		if err := a.EnsureUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if again := rolpassword(t, a, u.Name); again != stored {
			t.Error("an unchanged password was rewritten")
		}
		if _, err := s.as(t, u.Name, pw1, "postgres"); err != nil {
			t.Fatalf("login with the verifier's password: %v", err)
		}
		if got := one(t, a, "SELECT rolsuper::text || rolcreatedb::text FROM pg_roles WHERE rolname = $1", u.Name); got != "falsetrue" {
			t.Errorf("attributes super,createdb = %s", got)
		}

		// New password, superuser, no longer in admin.
		u = User{Name: u.Name, Password: pw2, Superuser: true}
		if err := a.EnsureUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := s.as(t, u.Name, pw1, "postgres"); !errors.Is(err, ErrAuth) {
			t.Errorf("old password still works: %v", err)
		}
		if _, err := s.as(t, u.Name, pw2, "postgres"); err != nil {
			t.Errorf("new password: %v", err)
		}
		if got := one(t, a, "SELECT rolsuper::text || rolcreatedb::text FROM pg_roles WHERE rolname = $1", u.Name); got != "truefalse" {
			t.Errorf("attributes super,createdb = %s", got)
		}
		if got := one(t, a, "SELECT EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = $1::text::regrole AND m.roleid = 'admin'::regrole)", u.Name); got != "f" {
			t.Errorf("still a member of admin")
		}
		roles, err := a.RolesWithPrefix(ctx, "relation_id_")
		if err != nil || !slices.Contains(roles, u.Name) {
			t.Errorf("RolesWithPrefix = %v, %v", roles, err)
		}
		got, err := a.ExistingRoles(ctx, []string{"admin", "nosuchrole", u.Name})
		if err != nil || !slices.Equal(got, []string{"admin", u.Name}) {
			t.Errorf("ExistingRoles = %v, %v", got, err)
		}
		// Names that need quoting, in identifiers and in array literals.
		const odd = `Odd "role", with\ {braces}`
		if err := a.EnsureGroup(ctx, odd); err != nil {
			t.Fatal(err)
		}
		if got, err := a.ExistingRoles(ctx, []string{odd, "x"}); err != nil || !slices.Equal(got, []string{odd}) {
			t.Errorf("ExistingRoles(odd) = %q, %v", got, err)
		}
		for _, secret := range []string{pw1, pw2} {
			if strings.Contains(s.log.String(), secret) {
				t.Errorf("a password reached the server log")
			}
		}
		if strings.Contains(s.log.String(), "SCRAM-SHA-256$") {
			t.Errorf("a verifier reached the server log")
		}
	})

	t.Run("sole user owns the database's objects; dropping the user keeps them", func(t *testing.T) {
		const pw = "Sole-user-pw-123456"
		u := User{Name: "relation_id_8", Password: pw}
		if err := a.EnsureUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		d := Database{Name: "test-model_hydra", User: u.Name, Sole: true, GrantTo: []string{"operator"},
			Extensions: map[string]bool{"pg_trgm": true, "btree_gin": true}}
		if err := a.EnsureDatabase(ctx, d); err != nil {
			t.Fatal(err)
		}
		// Objects the operator made before (a restored dump, say) go
		// to the user too; extension objects do not.
		op, err := s.as(t, "operator", operatorPassword, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			"CREATE TABLE pre (id serial PRIMARY KEY, name text)",
			"CREATE VIEW pre_names AS SELECT name FROM pre",
			"CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1'",
			"CREATE SCHEMA extra",
			"CREATE SEQUENCE extra.counter",
		} {
			if err := execSQL(ctx, op.conn, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		if err := a.EnsureDatabase(ctx, d); err != nil {
			t.Fatal(err)
		}
		if n := one(t, op, `
			SELECT count(*) FROM (
			  SELECT relowner AS o FROM pg_class WHERE relname IN ('pre', 'pre_id_seq', 'pre_names', 'counter')
			  UNION ALL SELECT proowner FROM pg_proc WHERE proname = 'one'
			  UNION ALL SELECT nspowner FROM pg_namespace WHERE nspname IN ('public', 'extra')) x
			WHERE o = (SELECT oid FROM pg_roles WHERE rolname = $1)`, u.Name); n != "7" {
			t.Errorf("objects owned by the user: %s (want 7)", n)
		}
		if ext := one(t, op, "SELECT count(*) FROM pg_extension WHERE extname IN ('pg_trgm', 'btree_gin')"); ext != "2" {
			t.Errorf("extensions: %s", ext)
		}
		// The user can work in its database, and nobody else can connect.
		user, err := s.as(t, u.Name, pw, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		if err := execSQL(ctx, user.conn, "CREATE TABLE mine (x int); INSERT INTO mine VALUES (1); CREATE INDEX ON pre USING gin (name gin_trgm_ops)"); err != nil {
			t.Fatalf("user's own work: %v", err)
		}
		other := User{Name: "relation_id_9", Password: "Other-pw-1234567890"}
		if err := a.EnsureUser(ctx, other); err != nil {
			t.Fatal(err)
		}
		if _, err := s.as(t, other.Name, other.Password, d.Name); err == nil {
			t.Error("another relation user connected to the database")
		}

		// Disabling pg_trgm while an index uses it: refused, kept.
		d.Extensions["pg_trgm"] = false
		var inUse *ExtensionInUseError
		if err := a.EnsureDatabase(ctx, d); !errors.As(err, &inUse) || inUse.Extension != "pg_trgm" {
			t.Errorf("disabling a used extension: %v", err)
		}
		d.Extensions = map[string]bool{"btree_gin": false}
		if err := a.EnsureDatabase(ctx, d); err != nil {
			t.Errorf("disabling an unused extension: %v", err)
		}

		if err := a.DropUser(ctx, u.Name, "operator"); err != nil {
			t.Fatal(err)
		}
		if err := a.DropUser(ctx, u.Name, "operator"); err != nil {
			t.Fatalf("dropping a role that is gone: %v", err)
		}
		if got, _ := a.ExistingRoles(ctx, []string{u.Name}); len(got) != 0 {
			t.Errorf("role still there")
		}
		if x := one(t, op, "SELECT x FROM mine"); x != "1" {
			t.Errorf("the user's data is gone: %q", x)
		}
	})

	t.Run("shared database: privileges, not ownership", func(t *testing.T) {
		for _, name := range []string{"relation_id_10", "relation_id_11"} {
			if err := a.EnsureUser(ctx, User{Name: name, Password: "Shared-pw-1234567890"}); err != nil {
				t.Fatal(err)
			}
			if err := a.EnsureDatabase(ctx, Database{Name: "shared", User: name}); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"relation_id_10", "relation_id_11"} {
			c, err := s.as(t, name, "Shared-pw-1234567890", "shared")
			if err != nil {
				t.Fatal(err)
			}
			if err := execSQL(ctx, c.conn, "CREATE TABLE "+ident("t_"+name)+" (x int)"); err != nil {
				t.Errorf("%s cannot create in public: %v", name, err)
			}
		}
	})

	t.Run("reload reports settings that need a restart", func(t *testing.T) {
		pending, err := a.Reload(ctx)
		if err != nil || len(pending) != 0 {
			t.Fatalf("Reload = %v, %v", pending, err)
		}
		if err := execSQL(ctx, a.conn, "ALTER SYSTEM SET shared_buffers = '32MB'"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = execSQL(ctx, a.conn, "ALTER SYSTEM RESET shared_buffers") })
		pending, err = a.Reload(ctx)
		if err != nil || !slices.Equal(pending, []string{"shared_buffers"}) {
			t.Errorf("Reload = %v, %v", pending, err)
		}
	})

	t.Run("set password", func(t *testing.T) {
		if err := a.EnsureUser(ctx, User{Name: "relation_id_12", Password: "First-pw-1234567890"}); err != nil {
			t.Fatal(err)
		}
		if err := a.SetPassword(ctx, "relation_id_12", "it's-quoted-1234"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.as(t, "relation_id_12", "it's-quoted-1234", "postgres"); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
	})
}

func rolpassword(t *testing.T, a *Admin, role string) string {
	t.Helper()
	return one(t, a, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", role)
}

// one runs a query for one value.
func one(t *testing.T, a *Admin, sql string, args ...string) string {
	t.Helper()
	v, err := value(t.Context(), a.conn, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}
