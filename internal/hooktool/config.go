package hooktool

import "context"

// ConfigGetAll returns every option of the charm's config (config-get
// --all), including options without a value or default, which are nil.
// Values are decoded from JSON: strings, bools, and float64 for both int
// and float options.
func (c *Client) ConfigGetAll(ctx context.Context) (map[string]any, error) {
	var m map[string]any
	if err := c.runJSON(ctx, "config-get", []string{formatJSON, "--all"}, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// ConfigGet returns one option's value. ok is false when the option is
// unknown or has neither a value nor a default: config-get prints null
// for both and does not fail.
func (c *Client) ConfigGet(ctx context.Context, key string) (value any, ok bool, err error) {
	if err := c.runJSON(ctx, "config-get", withPositional([]string{formatJSON}, key), &value); err != nil {
		return nil, false, err
	}
	return value, value != nil, nil
}

// IsLeader reports whether this unit is the application leader (for at
// least the next 30 seconds, as Juju guarantees).
func (c *Client) IsLeader(ctx context.Context) (bool, error) {
	var leader bool
	if err := c.runJSON(ctx, "is-leader", []string{formatJSON}, &leader); err != nil {
		return false, err
	}
	return leader, nil
}

// ApplicationVersionSet sets the workload version shown by juju status.
// Effective immediately.
func (c *Client) ApplicationVersionSet(ctx context.Context, version string) error {
	_, err := c.run(ctx, "application-version-set", withPositional(nil, version), nil)
	return err
}
