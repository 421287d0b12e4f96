package main

import (
	"context"

	"github.com/identity-platform-go/charms/charms/postgresql/pgadmin"
)

// db is what the charm needs of a superuser session on its server;
// *pgadmin.Admin is the real one, unit tests use a fake.
type db interface {
	Version(ctx context.Context) (string, error)
	Reload(ctx context.Context) (pendingRestart []string, err error)
	TerminateSessions(ctx context.Context) error
	ExistingRoles(ctx context.Context, names []string) ([]string, error)
	RolesWithPrefix(ctx context.Context, prefix string) ([]string, error)
	EnsureGroup(ctx context.Context, name string, memberOf ...string) error
	EnsureUser(ctx context.Context, u pgadmin.User) error
	SetPassword(ctx context.Context, role, password string) error
	EnsureDatabase(ctx context.Context, d pgadmin.Database) error
	DropUser(ctx context.Context, name, reassignTo string) error
	Close(ctx context.Context) error
}

// dialer opens a session; errors wrap pgadmin.ErrAuth when the server
// refused the credentials.
type dialer func(ctx context.Context, cfg pgadmin.Config) (db, error)

func dialPostgres(ctx context.Context, cfg pgadmin.Config) (db, error) {
	a, err := pgadmin.Dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return a, nil
}
