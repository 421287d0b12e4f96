package hooktool

import (
	"context"
	"sort"
)

// ActionGet returns the action's parameters, with the defaults from
// actions.yaml applied. Numbers decode as float64.
func (c *Client) ActionGet(ctx context.Context) (map[string]any, error) {
	var params map[string]any
	if err := c.runJSON(ctx, "action-get", []string{formatJSON}, &params); err != nil {
		return nil, err
	}
	if params == nil {
		params = map[string]any{}
	}
	return params, nil
}

// ActionSet adds results to the action. A dotted key ("db.user") nests;
// each segment must be lowercase alphanumerics and hyphens, and stdout,
// stdout-encoding, stderr, stderr-encoding are reserved (jujuc checks).
// Results travel in argv, so keep them small (action-set has no --file).
// An empty map is a no-op.
func (c *Client) ActionSet(ctx context.Context, results map[string]string) error {
	if len(results) == 0 {
		return nil
	}
	keys := make([]string, 0, len(results))
	for k := range results {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := make([]string, len(keys))
	for i, k := range keys {
		args[i] = k + "=" + results[k]
	}
	_, err := c.run(ctx, "action-set", withPositional(nil, args...), nil)
	return err
}

// ActionFail marks the action failed with msg while still committing what
// the action buffered. An empty msg lets Juju use its default reason.
func (c *Client) ActionFail(ctx context.Context, msg string) error {
	var pos []string
	if msg != "" {
		pos = []string{msg}
	}
	_, err := c.run(ctx, "action-fail", withPositional(nil, pos...), nil)
	return err
}

// ActionLog records a progress message for the running action.
func (c *Client) ActionLog(ctx context.Context, msg string) error {
	_, err := c.run(ctx, "action-log", withPositional(nil, msg), nil)
	return err
}
