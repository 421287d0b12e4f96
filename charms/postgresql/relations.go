package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/identity-platform-go/charms/charms/postgresql/pgadmin"
	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
	"github.com/identity-platform-go/charms/internal/interfaces/postgresqlclient"
)

const (
	endpoint = postgresqlclient.DefaultEndpoint
	// userPrefix names relation users: relation_id_<relation id>, as the
	// reference charm does.
	userPrefix = "relation_id_"
)

// Status messages about relations, with the reference charm's words
// first.
const (
	msgInvalidRoles   = "invalid role(s) for extra user roles"
	msgRelationFailed = "Failed to initialize database relation"
	msgDeleteFailed   = "Failed to delete user during database relation broken event"
	msgPluginsInUse   = "Cannot disable plugins: Existing objects depend on it. See logs"
)

// relUser is what one relation asked for, checked without the server.
type relUser struct {
	relID    int
	app      string
	user     string
	database string
	password string
	// pending: the requirer has not asked for a database yet (publish
	// endpoints only).
	pending bool
	// problem, when set, is why the request cannot be served (the
	// status message); nothing is created for it.
	problem string

	superuser, createDB, createRole bool
	// memberOf are roles to grant: admin and the existing roles asked
	// for by name, which the server must confirm (custom).
	memberOf []string
	custom   []string
	// sole: no other relation uses the database.
	sole bool
}

// planRelations reads every request on the endpoint and decides the
// user and database of each, reusing the password already published
// for the relation.
func planRelations(c *charm.Context) ([]relUser, error) {
	reqs, err := postgresqlclient.Requests(c, endpoint)
	if err != nil {
		return nil, err
	}
	out := make([]relUser, 0, len(reqs))
	uses := map[string]int{}
	for _, r := range reqs {
		u := relUser{relID: r.RelationID, app: r.RemoteApp, user: userPrefix + strconv.Itoa(r.RelationID)}
		switch {
		case r.Pending():
			u.pending = true
		case r.Err != nil:
			u.problem = fmt.Sprintf("%s: %s: %v", msgRelationFailed, r.RemoteApp, r.Err)
		default:
			u.database = r.Request.Database
			u.problem = checkRequest(r.RemoteApp, r.Request)
			if u.problem == "" {
				u.problem = u.roles(r.Request.ExtraUserRoles)
			}
		}
		if u.problem == "" && !u.pending {
			uses[u.database]++
			if u.password, err = publishedPassword(c, r.RelationID); err != nil {
				return nil, err
			}
			if u.password == "" {
				u.password = newPassword()
			}
		}
		out = append(out, u)
	}
	for i := range out {
		out[i].sole = uses[out[i].database] == 1
	}
	return out, nil
}

// reservedDatabases are PostgreSQL's own.
var reservedDatabases = []string{"postgres", "template0", "template1"}

// checkRequest refuses what this charm does not serve: database
// prefixes, custom entities, names it would have to quote in
// pg_hba.conf, PostgreSQL's own databases.
func checkRequest(app string, req postgresqlclient.Request) string {
	fail := func(why string) string { return fmt.Sprintf("%s: %s %s", msgRelationFailed, app, why) }
	switch {
	case req.IsPrefix():
		return fail("asked for a database prefix, which is not supported")
	case req.EntityType != "":
		return fail("asked for a custom entity, which is not supported")
	case slices.Contains(reservedDatabases, req.Database):
		return fail(fmt.Sprintf("asked for database %s, which is PostgreSQL's own", req.Database))
	case !safeName(req.Database):
		return fail("asked for a database name with characters other than letters, digits, '_', '-' and '.'")
	}
	return ""
}

func safeName(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
	})
}

// roles reads extra-user-roles as the reference charm does: the
// privileges superuser, createdb and createrole, the admin role (which
// brings createdb), or the name of an existing role (checked against the
// server later). It returns a status message for names no role could
// have.
func (u *relUser) roles(extra []string) string {
	var bad []string
	for _, r := range extra {
		switch strings.ToLower(r) {
		case "superuser":
			u.superuser = true
		case "createdb":
			u.createDB = true
		case "createrole":
			u.createRole = true
		case adminRole:
			u.createDB = true
			u.memberOf = append(u.memberOf, adminRole)
		default:
			// Granting the charm's own users (or another relation's)
			// would hand their privileges over by the back door.
			if r == operatorUser || strings.HasPrefix(r, userPrefix) || len(r) > 63 {
				bad = append(bad, r)
				continue
			}
			u.custom = append(u.custom, r)
			u.memberOf = append(u.memberOf, r)
		}
	}
	if len(bad) > 0 {
		return invalidRoles(u.app, bad)
	}
	return ""
}

func invalidRoles(app string, roles []string) string {
	return fmt.Sprintf("%s: %s (asked for by %s)", msgInvalidRoles, strings.Join(roles, ", "), app)
}

// publishedPassword is the password already given to a relation: in its
// user secret, or in plain relation data for requirers that did not ask
// for secrets; "" when there is none yet.
func publishedPassword(c *charm.Context, relID int) (string, error) {
	ctx := c.Context()
	local, err := c.Tools.RelationGet(ctx, relID, c.Env.AppName, true)
	if err != nil {
		return "", fmt.Errorf("reading %s relation %d: %w", endpoint, relID, err)
	}
	if pw := local[postgresqlclient.KeyPassword]; pw != "" {
		return pw, nil
	}
	if local[postgresqlclient.GroupUser.Field()] == "" {
		return "", nil
	}
	label := postgresqlclient.SecretLabel(endpoint, relID, postgresqlclient.GroupUser)
	content, err := c.Tools.SecretGet(ctx, hooktool.SecretRef{Label: label}, hooktool.SecretGetOptions{Peek: true})
	if isNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the %s secret: %w", label, err)
	}
	return content[postgresqlclient.KeyPassword], nil
}

// hbaEntries lets in the users of the relations that can be served.
func hbaEntries(users []relUser) []hbaEntry {
	var out []hbaEntry
	for _, u := range users {
		if !u.pending && u.problem == "" {
			out = append(out, hbaEntry{database: u.database, user: u.user})
		}
	}
	return out
}

// fingerprintVersion changes when what applyRelations does for the same
// input changes, so that a new charm applies it once.
const fingerprintVersion = "1"

// fingerprint sums up everything a pass over the server acts on (the
// relations, the extensions, the configuration files it reloads), so
// that hooks that change none of it (update-status, mostly) need no SQL.
// Passwords go in hashed.
func fingerprint(users []relUser, s settings, operatorPassword string) string {
	type rel struct {
		ID                    int
		User, DB, PW          string
		Super, CDB, CRole     bool
		MemberOf              []string
		Sole, Pending, Broken bool
	}
	hash := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:8]) }
	v := struct {
		V         string
		Op        string
		Ext       map[string]bool
		Conf, HBA string
		Rels      []rel
	}{V: fingerprintVersion, Op: hash(operatorPassword), Ext: s.extensions,
		Conf: hash(string(postgresqlConf(s))), HBA: hash(string(pgHBA(hbaEntries(users))))}
	for _, u := range users {
		v.Rels = append(v.Rels, rel{u.relID, u.user, u.database, hash(u.password), u.superuser, u.createDB, u.createRole,
			u.memberOf, u.sole, u.pending, u.problem != ""})
	}
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// applyRelations makes the server match the relations: a role and a
// database per served relation, extensions per configuration, and the
// roles of relations that are gone dropped (their data kept). Problems
// the operator must fix are set on users[i].problem; the error is for
// failures worth retrying.
func applyRelations(ctx context.Context, d db, users []relUser, s settings, logf func(hooktool.Level, string, ...any)) error {
	if err := d.EnsureGroup(ctx, adminRole, "pg_read_all_data", "pg_write_all_data"); err != nil {
		return err
	}
	live := map[string]bool{}
	for i := range users {
		u := &users[i]
		live[u.user] = true
		if u.pending || u.problem != "" {
			continue
		}
		if len(u.custom) > 0 {
			existing, err := d.ExistingRoles(ctx, u.custom)
			if err != nil {
				return err
			}
			var missing []string
			for _, r := range u.custom {
				if !slices.Contains(existing, r) {
					missing = append(missing, r)
				}
			}
			if len(missing) > 0 {
				u.problem = invalidRoles(u.app, missing)
				continue
			}
		}
		err := d.EnsureUser(ctx, pgadmin.User{Name: u.user, Password: u.password,
			Superuser: u.superuser, CreateDB: u.createDB, CreateRole: u.createRole, MemberOf: u.memberOf})
		if err != nil {
			logf(hooktool.LevelError, "relation %d (%s): %v", u.relID, u.app, err)
			u.problem = fmt.Sprintf("%s: %s", msgRelationFailed, u.app)
			continue
		}
		err = d.EnsureDatabase(ctx, pgadmin.Database{Name: u.database, User: u.user, Sole: u.sole,
			GrantTo: []string{adminRole}, Extensions: s.extensions})
		var inUse *pgadmin.ExtensionInUseError
		switch {
		case errors.As(err, &inUse):
			logf(hooktool.LevelWarning, "%v", err)
			u.problem = msgPluginsInUse
		case err != nil:
			logf(hooktool.LevelError, "relation %d (%s): %v", u.relID, u.app, err)
			u.problem = fmt.Sprintf("%s: %s", msgRelationFailed, u.app)
		}
	}
	gone, err := d.RolesWithPrefix(ctx, userPrefix)
	if err != nil {
		return err
	}
	var dropErr error
	for _, role := range gone {
		if live[role] || !isRelationUser(role) {
			continue
		}
		if err := d.DropUser(ctx, role, operatorUser); err != nil {
			logf(hooktool.LevelError, "%v", err)
			dropErr = errors.Join(dropErr, err)
			continue
		}
		logf(hooktool.LevelInfo, "dropped role %s: its relation is gone (its data is kept, owned by %s)", role, operatorUser)
	}
	if dropErr != nil {
		return &dropError{dropErr}
	}
	return nil
}

// isRelationUser: relation_id_<digits> exactly, so that a role someone
// named relation_id_backup by hand is never dropped.
func isRelationUser(role string) bool {
	n, ok := strings.CutPrefix(role, userPrefix)
	if !ok || n == "" {
		return false
	}
	_, err := strconv.ParseUint(n, 10, 31)
	return err == nil
}

// dropError is a relation user that could not be dropped.
type dropError struct{ err error }

func (e *dropError) Error() string { return e.err.Error() }
func (e *dropError) Unwrap() error { return e.err }

// serviceEndpoint is what requirers connect to: the application's
// Kubernetes service, <app>.<model>.svc.cluster.local:5432, which Juju
// creates (with the ports the charm opens) and which the local runtime
// resolves in every pod. Canonical's charm publishes its own
// <app>-primary service, which only Patroni's labels make point at the
// primary; with one serving unit the application service does the same.
func serviceEndpoint(c *charm.Context) string {
	return fmt.Sprintf("%s.%s.svc.cluster.local:%d", c.Env.AppName, c.Env.ModelName, pgPort)
}

// publish answers every relation whose request can be served, and
// publishes endpoints alone on those whose requirer has not asked yet.
func publish(c *charm.Context, users []relUser, version string) error {
	ep := serviceEndpoint(c)
	for _, u := range users {
		switch {
		case u.pending:
			if err := postgresqlclient.PublishEndpoints(c, endpoint, u.relID, ep, ep); err != nil {
				return err
			}
		case u.problem != "":
			// Nothing new for a relation that cannot be served; what
			// it had stays until it is fixed or removed.
		default:
			uri := (&url.URL{Scheme: "postgresql", User: url.UserPassword(u.user, u.password), Host: ep, Path: "/" + u.database}).String()
			err := postgresqlclient.Publish(c, endpoint, u.relID, postgresqlclient.Response{
				Database:  u.database,
				Endpoints: ep,
				// No replicas: the read-only endpoint is the primary's,
				// as the reference charm publishes with no peers.
				ReadOnlyEndpoints: ep,
				Version:           version,
				Username:          u.user,
				Password:          u.password,
				URIs:              uri,
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}
