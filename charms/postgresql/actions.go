package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/identity-platform-go/charms/charms/postgresql/pgadmin"
	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/hooktool"
)

// systemUser reads and checks the action's username parameter.
func systemUser(params map[string]any) (user, key string, err error) {
	user, _ = params["username"].(string)
	if user == "" {
		user = operatorUser
	}
	key, ok := systemUsers[user]
	if !ok {
		names := slices.Sorted(maps.Keys(systemUsers))
		return "", "", fmt.Errorf("%s is not a system user: the system users are %s", user, strings.Join(names, ", "))
	}
	return user, key, nil
}

// getPassword is the get-password action: any unit can read the
// application's secret.
func (p postgresql) getPassword(c *charm.Context) error {
	ctx := c.Context()
	params, err := c.Tools.ActionGet(ctx)
	if err != nil {
		return err
	}
	_, key, err := systemUser(params)
	if err != nil {
		return c.Tools.ActionFail(ctx, err.Error())
	}
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil {
		return err
	}
	content, found, err := systemPasswords(c, leader)
	if err != nil {
		return err
	}
	if !found || content[key] == "" {
		return c.Tools.ActionFail(ctx, "the system users' passwords do not exist yet: wait for the leader to initialise the cluster")
	}
	return c.Tools.ActionSet(ctx, map[string]string{"password": content[key]})
}

// setPassword is the set-password action (leader only): the server
// takes the new password first, then the secret; should the hook fail
// in between, the next hook finds the server refusing the secret's
// password and resets it to the secret's (see connect).
func (p postgresql) setPassword(c *charm.Context) error {
	ctx := c.Context()
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil {
		return err
	}
	if !leader {
		return c.Tools.ActionFail(ctx, "set-password must run on the leader unit")
	}
	params, err := c.Tools.ActionGet(ctx)
	if err != nil {
		return err
	}
	user, key, err := systemUser(params)
	if err != nil {
		return c.Tools.ActionFail(ctx, err.Error())
	}
	password, _ := params["password"].(string)
	if password == "" {
		password = newPassword()
	}
	if err := pgadmin.CheckPassword(password); err != nil {
		return c.Tools.ActionFail(ctx, "invalid password: "+err.Error())
	}
	content, found, err := systemPasswords(c, true)
	if err != nil {
		return err
	}
	if !found || content[operatorKey] == "" {
		return c.Tools.ActionFail(ctx, "the system users' passwords do not exist yet: wait for the cluster to be initialised")
	}
	if content[key] == password {
		return c.Tools.ActionSet(ctx, map[string]string{"username": user, "changed": "false"})
	}
	ctr := c.Container(containerName)
	if !ctr.CanConnect(ctx) {
		return c.Tools.ActionFail(ctx, "cannot reach the workload container's Pebble: try again once the unit is active")
	}
	d, err := p.connect(c, ctr, content[operatorKey])
	if err != nil {
		logf(c, hooktool.LevelWarning, "set-password: %v", err)
		return c.Tools.ActionFail(ctx, "PostgreSQL does not accept connections: try again once the unit is active")
	}
	defer func() { _ = d.Close(ctx) }()
	if err := d.SetPassword(ctx, user, password); err != nil {
		return c.Tools.ActionFail(ctx, fmt.Sprintf("changing the password of %s: %v", user, err))
	}
	if err := setSystemPassword(c, key, password); err != nil {
		return err
	}
	return c.Tools.ActionSet(ctx, map[string]string{"username": user, "changed": "true"})
}
