package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/identity-platform-go/charms/charms/postgresql/pgadmin"
)

// fakeServer stands in for PostgreSQL behind the db interface in unit
// tests (pgadmin's own tests run the SQL against a real server). It
// keeps roles and databases and a log of what changed.
type fakeServer struct {
	mu sync.Mutex
	// down: connections are refused.
	down bool
	// operatorPassword is what the server accepts for the operator; ""
	// takes the first password it is given (the one initdb set).
	operatorPassword string
	version          string
	// groups are NOLOGIN roles (admin, roles a requirer may name).
	groups map[string]bool
	users  map[string]pgadmin.User
	dbs    map[string]pgadmin.Database
	// pendingRestart is what Reload reports.
	pendingRestart []string
	// inUse lists extensions objects depend on (dropping them fails).
	inUse map[string]bool
	// failDrop makes DropUser fail.
	failDrop bool
	dials    int
	ops      []string
}

func newFakeServer() *fakeServer {
	return &fakeServer{version: "15.18", groups: map[string]bool{}, users: map[string]pgadmin.User{},
		dbs: map[string]pgadmin.Database{}, inUse: map[string]bool{}}
}

func (f *fakeServer) charm() postgresql { return postgresql{dial: f.dial} }

func (f *fakeServer) dial(_ context.Context, cfg pgadmin.Config) (db, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dials++
	if f.down {
		return nil, errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	}
	if cfg.User != operatorUser || cfg.Host != "127.0.0.1" || cfg.Port != 5432 {
		return nil, fmt.Errorf("unexpected connection %s@%s:%d", cfg.User, cfg.Host, cfg.Port)
	}
	if f.operatorPassword == "" {
		f.operatorPassword = cfg.Password
	}
	if cfg.Password != f.operatorPassword {
		return nil, fmt.Errorf("connecting: %w", pgadmin.ErrAuth)
	}
	return &fakeSession{f: f}, nil
}

func (f *fakeServer) log(format string, args ...any) {
	f.ops = append(f.ops, fmt.Sprintf(format, args...))
}

// snapshot returns the log and state under the lock.
func (f *fakeServer) snapshot() (ops []string, users map[string]pgadmin.User, dbs map[string]pgadmin.Database, dials int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ops), maps.Clone(f.users), maps.Clone(f.dbs), f.dials
}

type fakeSession struct{ f *fakeServer }

func (s *fakeSession) lock() func() { s.f.mu.Lock(); return s.f.mu.Unlock }

func (s *fakeSession) Version(context.Context) (string, error) {
	defer s.lock()()
	return s.f.version, nil
}

func (s *fakeSession) Reload(context.Context) ([]string, error) {
	defer s.lock()()
	s.f.log("reload")
	return slices.Clone(s.f.pendingRestart), nil
}

func (s *fakeSession) TerminateSessions(context.Context) error {
	defer s.lock()()
	s.f.log("terminate sessions")
	return nil
}

func (s *fakeSession) ExistingRoles(_ context.Context, names []string) ([]string, error) {
	defer s.lock()()
	var out []string
	for _, n := range names {
		if _, ok := s.f.users[n]; ok || s.f.groups[n] || n == operatorUser {
			out = append(out, n)
		}
	}
	return out, nil
}

func (s *fakeSession) RolesWithPrefix(_ context.Context, prefix string) ([]string, error) {
	defer s.lock()()
	var out []string
	for n := range s.f.users {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (s *fakeSession) EnsureGroup(_ context.Context, name string, _ ...string) error {
	defer s.lock()()
	if !s.f.groups[name] {
		s.f.groups[name] = true
		s.f.log("create group %s", name)
	}
	return nil
}

func (s *fakeSession) EnsureUser(_ context.Context, u pgadmin.User) error {
	defer s.lock()()
	if err := pgadmin.CheckPassword(u.Password); err != nil {
		return err
	}
	old, ok := s.f.users[u.Name]
	if ok && old.Password == u.Password && old.Superuser == u.Superuser && old.CreateDB == u.CreateDB &&
		old.CreateRole == u.CreateRole && slices.Equal(old.MemberOf, u.MemberOf) {
		return nil
	}
	s.f.users[u.Name] = u
	s.f.log("ensure user %s super=%v createdb=%v createrole=%v in=%v", u.Name, u.Superuser, u.CreateDB, u.CreateRole, u.MemberOf)
	return nil
}

func (s *fakeSession) SetPassword(_ context.Context, role, password string) error {
	defer s.lock()()
	if err := pgadmin.CheckPassword(password); err != nil {
		return err
	}
	if role == operatorUser {
		s.f.operatorPassword = password
	}
	s.f.log("set password %s", role)
	return nil
}

func (s *fakeSession) EnsureDatabase(_ context.Context, d pgadmin.Database) error {
	defer s.lock()()
	s.f.dbs[d.Name] = d
	s.f.log("ensure database %s user=%s sole=%v", d.Name, d.User, d.Sole)
	for _, ext := range slices.Sorted(maps.Keys(d.Extensions)) {
		if !d.Extensions[ext] && s.f.inUse[ext] {
			return &pgadmin.ExtensionInUseError{Database: d.Name, Extension: ext}
		}
	}
	return nil
}

func (s *fakeSession) DropUser(_ context.Context, name, reassignTo string) error {
	defer s.lock()()
	if s.f.failDrop {
		return fmt.Errorf("dropping role %s: some error", name)
	}
	delete(s.f.users, name)
	s.f.log("drop user %s to %s", name, reassignTo)
	return nil
}

func (s *fakeSession) Close(context.Context) error { return nil }
