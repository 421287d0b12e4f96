package hooktool

import "context"

// StateGet returns one value of the unit's server-side charm state and
// whether the key exists. It reads the whole map (state-get without a
// key): that is the only form whose output tells an absent key from an
// empty value without parsing error text (state-get <key> prints "" for
// both; --strict turns absence into a generic tool failure).
func (c *Client) StateGet(ctx context.Context, key string) (string, bool, error) {
	all, err := c.StateGetAll(ctx)
	if err != nil {
		return "", false, err
	}
	v, ok := all[key]
	return v, ok, nil
}

// StateGetAll returns the unit's whole server-side charm state.
func (c *Client) StateGetAll(ctx context.Context) (map[string]string, error) {
	var m map[string]string
	if err := c.runJSON(ctx, "state-get", []string{formatJSON}, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]string{}
	}
	return m, nil
}

// StateSet stores values in the unit's server-side charm state; unlike
// relation-set, an empty value is stored, not deleted (use StateDelete).
// Large or argv-unsafe data goes as YAML on stdin. Committed when the hook
// exits 0. An empty map is a no-op.
func (c *Client) StateSet(ctx context.Context, data map[string]string) error {
	const tool = "state-set"
	if len(data) == 0 {
		return nil
	}
	kv, stdin, err := kvArgs(tool, data)
	if err != nil {
		return err
	}
	if stdin != nil {
		_, err = c.run(ctx, tool, kv, stdin)
		return err
	}
	_, err = c.run(ctx, tool, withPositional(nil, kv...), nil)
	return err
}

// StateDelete removes key from the unit's server-side charm state;
// deleting an absent key is not an error. Committed when the hook exits 0.
func (c *Client) StateDelete(ctx context.Context, key string) error {
	_, err := c.run(ctx, "state-delete", withPositional(nil, key), nil)
	return err
}
