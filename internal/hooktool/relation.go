package hooktool

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// RelationIDs returns the IDs of the endpoint's live relations, in
// ascending order. relation-ids prints them as "<endpoint>:<id>".
func (c *Client) RelationIDs(ctx context.Context, endpoint string) ([]int, error) {
	const tool = "relation-ids"
	var out []string
	if err := c.runJSON(ctx, tool, withPositional([]string{formatJSON}, endpoint), &out); err != nil {
		return nil, err
	}
	ids := make([]int, 0, len(out))
	for _, s := range out {
		id, err := ParseRelationID(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tool, err)
		}
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids, nil
}

// ParseRelationID parses "<endpoint>:<id>" (as in relation-ids output and
// JUJU_RELATION_ID) or a bare "<id>", the way jujuc's -r flag does: the
// number after the last colon.
func ParseRelationID(s string) (int, error) {
	num := s
	if i := strings.LastIndex(s, ":"); i >= 0 {
		num = s[i+1:]
	}
	id, err := strconv.Atoi(num)
	if err != nil || id < 0 {
		return 0, fmt.Errorf("invalid relation id %q", s)
	}
	return id, nil
}

// RelationList returns the remote units that have joined the relation.
func (c *Client) RelationList(ctx context.Context, relID int) ([]string, error) {
	const tool = "relation-list"
	r, err := relFlag(tool, relID)
	if err != nil {
		return nil, err
	}
	var units []string
	if err := c.runJSON(ctx, tool, append([]string{formatJSON}, r...), &units); err != nil {
		return nil, err
	}
	if units == nil {
		units = []string{}
	}
	return units, nil
}

// RelationRemoteApp returns the name of the application on the other side
// of the relation (relation-list --app).
func (c *Client) RelationRemoteApp(ctx context.Context, relID int) (string, error) {
	const tool = "relation-list"
	r, err := relFlag(tool, relID)
	if err != nil {
		return "", err
	}
	var app string
	if err := c.runJSON(ctx, tool, append(append([]string{formatJSON}, r...), "--app"), &app); err != nil {
		return "", err
	}
	return app, nil
}

// RelationGet reads a whole databag: a unit's (app false) or an
// application's (app true; reading this side's own application bag needs
// leadership). A bag with nothing in it yields an empty map.
func (c *Client) RelationGet(ctx context.Context, relID int, unitOrApp string, app bool) (map[string]string, error) {
	const tool = "relation-get"
	r, err := relFlag(tool, relID)
	if err != nil {
		return nil, err
	}
	flags := append([]string{formatJSON}, r...)
	if app {
		flags = append(flags, "--app")
	}
	var bag map[string]string
	if err := c.runJSON(ctx, tool, withPositional(flags, "-", unitOrApp), &bag); err != nil {
		return nil, err
	}
	if bag == nil {
		bag = map[string]string{}
	}
	return bag, nil
}

// RelationSet writes this unit's databag, or this application's when app
// is true (leader only). An empty value deletes the key. Large or
// argv-unsafe data is sent as YAML on stdin (see MaxArgBytes). Changes are
// committed when the hook exits 0. An empty map is a no-op.
func (c *Client) RelationSet(ctx context.Context, relID int, app bool, data map[string]string) error {
	const tool = "relation-set"
	if len(data) == 0 {
		return nil
	}
	flags, err := relFlag(tool, relID)
	if err != nil {
		return err
	}
	if app {
		flags = append(flags, "--app")
	}
	kv, stdin, err := kvArgs(tool, data)
	if err != nil {
		return err
	}
	if stdin != nil {
		_, err = c.run(ctx, tool, append(flags, kv...), stdin)
		return err
	}
	_, err = c.run(ctx, tool, withPositional(flags, kv...), nil)
	return err
}
