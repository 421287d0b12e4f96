package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/identity-platform-go/charms/charms/postgresql/pgadmin"
	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/workload"
)

const (
	containerName = "postgresql"
	serviceName   = "postgresql"
	checkName     = "postgresql-ready"
	layerLabel    = "postgresql"
	// operatorUser is the bootstrap superuser (initdb -U operator), the
	// role the charm administers the server as, and the one system user.
	operatorUser = "operator"
	// adminRole is the reference charm's NOLOGIN role that reads and
	// writes all data; extra-user-roles "admin" grants it.
	adminRole = "admin"
)

// pgLayer runs PostgreSQL as the postgres user with a readiness check
// over TCP. It does not depend on the configuration (that is in
// postgresql.conf), so adding it again never restarts the server.
//
// kill-delay: Pebble stops services with SIGTERM, which PostgreSQL takes
// as a smart shutdown (wait for clients to leave); the charm ends client
// sessions itself before it restarts the server.
const pgLayer = `summary: postgresql layer
description: PostgreSQL 15, managed by the postgresql-k8s charm
services:
  ` + serviceName + `:
    override: replace
    summary: PostgreSQL 15
    command: ` + pgBin + `postgres -D ` + pgData + `
    startup: enabled
    user: postgres
    group: postgres
    kill-delay: 20s
checks:
  ` + checkName + `:
    override: replace
    level: ready
    period: 10s
    threshold: 3
    exec:
      command: ` + pgBin + `pg_isready -q -h 127.0.0.1 -p 5432
      user: postgres
`

// hbaEntry lets one relation user into its database.
type hbaEntry struct{ database, user string }

// pgHBA renders pg_hba.conf. Every TCP login is SCRAM; "all" addresses
// because, as in the reference charm (0.0.0.0/0), the password is the
// gate and clients come from pods whose addresses the charm cannot know.
// The operator may also log in over the unix socket as the OS user
// postgres (pg_ident map "operator"): the charm's way back in when the
// operator's password in the server and in the secret disagree.
func pgHBA(entries []hbaEntry) []byte {
	var b strings.Builder
	b.WriteString("# Written by the postgresql-k8s charm; edits are overwritten.\n")
	b.WriteString("# TYPE DATABASE USER ADDRESS METHOD\n")
	b.WriteString("local all " + operatorUser + " peer map=" + operatorUser + "\n")
	b.WriteString("host all " + operatorUser + " all scram-sha-256\n")
	for _, e := range entries {
		// Names are checked (safeName) before they get here; quoting
		// keeps a database called "all" or "replication" literal.
		fmt.Fprintf(&b, "host \"%s\" \"%s\" all scram-sha-256\n", e.database, e.user)
	}
	return []byte(b.String())
}

// pgIdent maps the OS user postgres to the operator role (see pgHBA).
func pgIdent() []byte {
	return []byte("# Written by the postgresql-k8s charm; edits are overwritten.\n" +
		"# MAPNAME SYSTEM-USERNAME PG-USERNAME\n" +
		operatorUser + " postgres " + operatorUser + "\n")
}

var asPostgres = workload.PushOptions{Permissions: 0o600, User: "postgres", Group: "postgres"}

// initCluster initialises the cluster on the storage once: a
// subdirectory owned by postgres, initdb with operator as the bootstrap
// superuser (its password from a file that is removed right after). It
// reports whether it ran initdb; a cluster already there is left alone.
func initCluster(c *charm.Context, ctr *workload.Container, operatorPassword string) (bool, error) {
	ctx := c.Context()
	_, err := ctr.Pull(ctx, pgData+"/PG_VERSION")
	switch {
	case err == nil:
		return false, nil
	case !errors.Is(err, workload.ErrNotFound):
		return false, err
	}
	_ = c.Tools.StatusSet(ctx, hooktool.Status{Name: hooktool.StatusMaintenance, Message: "initialising the cluster"}, false)
	if err := run(ctx, ctr, workload.ExecRequest{Command: []string{"install", "-d", "-o", "postgres", "-g", "postgres", "-m", "0700", pgData}}); err != nil {
		return false, err
	}
	const pwfile = "/tmp/.postgresql-k8s-initdb"
	if err := ctr.Push(ctx, pwfile, []byte(operatorPassword+"\n"), asPostgres); err != nil {
		return false, err
	}
	initErr := run(ctx, ctr, workload.ExecRequest{
		Command: []string{pgBin + "initdb", "-D", pgData, "-U", operatorUser, "--pwfile=" + pwfile,
			"--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale"},
		User: "postgres", Group: "postgres", WorkingDir: "/tmp", Timeout: 5 * time.Minute,
	})
	rmErr := run(ctx, ctr, workload.ExecRequest{Command: []string{"rm", "-f", pwfile}})
	if initErr != nil {
		return false, &initError{initErr}
	}
	return true, rmErr
}

// initError is initdb failing: the workload's fault, reported as blocked.
type initError struct{ err error }

func (e *initError) Error() string { return e.err.Error() }
func (e *initError) Unwrap() error { return e.err }

// execError is a command that ran and failed.
type execError struct {
	command string
	code    int
	stderr  string
}

func (e *execError) Error() string {
	return fmt.Sprintf("%s exited with status %d: %s", e.command, e.code, e.stderr)
}

// run runs a command whose arguments hold no secret and fails on a
// non-zero exit, with the last line of its stderr.
func run(ctx context.Context, ctr *workload.Container, req workload.ExecRequest) error {
	res, err := ctr.Exec(ctx, req)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		lines := strings.Split(strings.TrimSpace(string(res.Stderr)), "\n")
		name := req.Command[0][strings.LastIndexByte(req.Command[0], '/')+1:]
		return &execError{command: name, code: res.ExitCode, stderr: lines[len(lines)-1]}
	}
	return nil
}

// configFiles pushes postgresql.conf, pg_hba.conf and pg_ident.conf
// where they differ and reports whether any did.
func configFiles(ctx context.Context, ctr *workload.Container, s settings, hba []hbaEntry) (bool, error) {
	changed := false
	for _, f := range []struct {
		path    string
		content []byte
	}{
		{pgData + "/postgresql.conf", postgresqlConf(s)},
		{pgData + "/pg_hba.conf", pgHBA(hba)},
		{pgData + "/pg_ident.conf", pgIdent()},
	} {
		ch, err := ctr.PushIfChanged(ctx, f.path, f.content, asPostgres)
		if err != nil {
			return false, err
		}
		changed = changed || ch
	}
	return changed, nil
}

// ensureService adds the layer (combined: unchanged, it changes nothing)
// and replans when the server is not running or replan is set (a new
// charm may bring a new layer). wasRunning says whether the server was
// running before: if not, it has just read its configuration files.
func ensureService(ctx context.Context, ctr *workload.Container, replan bool) (wasRunning bool, err error) {
	if err := ctr.AddLayer(ctx, layerLabel, []byte(pgLayer), true); err != nil {
		return false, err
	}
	svcs, err := ctr.Services(ctx, serviceName)
	if err != nil {
		return false, err
	}
	wasRunning = svcs[serviceName].Active()
	if wasRunning && !replan {
		return true, nil
	}
	if err := ctr.Replan(ctx); err != nil {
		return false, err
	}
	return wasRunning, nil
}

// serverConfig is how the charm reaches its server: over TCP on the
// pod's loopback (the charm and workload containers share the pod's
// network), as the operator.
func serverConfig(password string) pgadmin.Config {
	return pgadmin.Config{Host: "127.0.0.1", Port: pgPort, User: operatorUser, Password: password, ConnectTimeout: 5 * time.Second}
}

// connect opens an operator session, waiting up to p.readyTimeout for a
// server that is starting. When the server refuses the operator's
// password (a set-password whose hook failed after the server took the
// new one, or storage from an earlier deployment), the charm resets it
// to the secret's through the unix socket, once.
func (p postgresql) connect(c *charm.Context, ctr *workload.Container, password string) (db, error) {
	ctx := c.Context()
	deadline := time.Now().Add(p.readyTimeout)
	reset := false
	for {
		d, err := p.dial(ctx, serverConfig(password))
		if err == nil {
			return d, nil
		}
		if errors.Is(err, pgadmin.ErrAuth) && !reset {
			reset = true
			logf(c, hooktool.LevelWarning, "the server refused the operator's password from the system-users secret; resetting it through the local socket")
			if err := resetOperatorPassword(ctx, ctr, password); err != nil {
				return nil, err
			}
			continue
		}
		if !time.Now().Before(deadline) {
			return nil, err
		}
		if err := sleep(ctx, p.retryInterval); err != nil {
			return nil, err
		}
	}
}

// resetOperatorPassword sets the operator's password with psql on the
// unix socket as the OS user postgres (peer authentication). The
// verifier goes on stdin, never on a command line, with statement
// logging off.
func resetOperatorPassword(ctx context.Context, ctr *workload.Container, password string) error {
	verifier, err := pgadmin.ScramVerifier(password)
	if err != nil {
		return err
	}
	sql := "SET log_statement = 'none';\nSET log_min_error_statement = 'panic';\n" +
		"ALTER ROLE " + operatorUser + " WITH PASSWORD '" + verifier + "';\n"
	return run(ctx, ctr, workload.ExecRequest{
		Command: []string{pgBin + "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", socketDir, "-p", "5432",
			"-U", operatorUser, "-d", "postgres", "-f", "-"},
		User: "postgres", Group: "postgres", WorkingDir: "/tmp", Stdin: []byte(sql), Timeout: time.Minute,
	})
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// checkUp reports whether the readiness check passes.
func checkUp(ctx context.Context, ctr *workload.Container) (bool, error) {
	checks, err := ctr.Checks(ctx, checkName)
	if err != nil {
		return false, err
	}
	chk, ok := checks[checkName]
	return ok && chk.Up(), nil
}
