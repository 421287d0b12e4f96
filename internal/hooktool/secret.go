package hooktool

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SecretOptions are the metadata flags of secret-add and secret-set. Zero
// values are not passed.
type SecretOptions struct {
	Label       string
	Description string
	// Expire is sent as RFC 3339 in UTC (whole seconds).
	Expire time.Time
	// Rotate is never, hourly, daily, weekly, monthly, quarterly or yearly.
	Rotate string
	// Owner is "application" (Juju's default; leader only) or "unit".
	// secret-set ignores it.
	Owner string
}

// SecretRef names a secret by ID (URI), by label, or both: secret-get
// with both looks the secret up by ID and records the label for it.
type SecretRef struct {
	ID    string
	Label string
}

// SecretGetOptions choose which revision secret-get returns: by default
// the one this unit tracks; Peek reads the latest once, Refresh reads the
// latest and tracks it from now on.
type SecretGetOptions struct {
	Peek    bool
	Refresh bool
}

// SecretInfo is a secret's metadata as secret-info-get prints it. Only
// secrets this unit or its application owns have metadata.
type SecretInfo struct {
	// ID is the bare secret ID (20 characters, no "secret:" prefix).
	ID          string
	Label       string
	Owner       string // application | unit
	Description string
	Revision    int
	Rotation    string
	// Expiry and Rotates are zero when not set.
	Expiry  time.Time
	Rotates time.Time
	Access  []SecretAccess
}

// SecretAccess is one grant of a secret.
type SecretAccess struct {
	Target string
	Scope  string
	Role   string
}

// secretKeyRE is jujuc's rule for content keys (core/secrets), optionally
// with the "#base64" suffix that marks an already-encoded value.
var secretKeyRE = regexp.MustCompile(`^[a-z](?:-?[a-z0-9]){2,}(?:#base64)?$`)

// SecretAdd creates a secret with content and returns its URI. Values
// never appear in argv (where ps and Juju's trace log could see them):
// each is written to a 0600 file in a private temporary directory and
// passed as "key#file=/path"; the directory is removed before returning.
// The secret is created when the hook exits 0.
func (c *Client) SecretAdd(ctx context.Context, content map[string]string, opts SecretOptions) (string, error) {
	const tool = "secret-add"
	if len(content) == 0 {
		return "", fmt.Errorf("%s: missing secret content", tool)
	}
	flags := secretFlags(opts, true)
	files, cleanup, err := writeSecretFiles(tool, content)
	if err != nil {
		return "", err
	}
	defer cleanup()
	out, err := c.run(ctx, tool, withPositional(flags, files...), nil)
	if err != nil {
		return "", err
	}
	uri := strings.TrimSpace(string(out))
	if uri == "" {
		return "", fmt.Errorf("%s: no secret URI in output", tool)
	}
	return uri, nil
}

// SecretSet updates a secret this unit (or, as leader, its application)
// owns. Non-empty content creates a new revision, passed through files as
// in SecretAdd; nil or empty content updates only the metadata in opts.
func (c *Client) SecretSet(ctx context.Context, id string, content map[string]string, opts SecretOptions) error {
	const tool = "secret-set"
	if id == "" {
		return fmt.Errorf("%s: missing secret URI", tool)
	}
	flags := secretFlags(opts, false)
	pos := []string{id}
	if len(content) > 0 {
		files, cleanup, err := writeSecretFiles(tool, content)
		if err != nil {
			return err
		}
		defer cleanup()
		pos = append(pos, files...)
	}
	_, err := c.run(ctx, tool, withPositional(flags, pos...), nil)
	return err
}

func secretFlags(opts SecretOptions, withOwner bool) []string {
	var flags []string
	if opts.Label != "" {
		flags = append(flags, "--label", opts.Label)
	}
	if opts.Description != "" {
		flags = append(flags, "--description", opts.Description)
	}
	if !opts.Expire.IsZero() {
		flags = append(flags, "--expire", opts.Expire.UTC().Format(time.RFC3339))
	}
	if opts.Rotate != "" {
		flags = append(flags, "--rotate", opts.Rotate)
	}
	if withOwner && opts.Owner != "" {
		flags = append(flags, "--owner", opts.Owner)
	}
	return flags
}

// writeSecretFiles writes each value to its own 0600 file in a fresh 0700
// directory and returns the sorted "key#file=/abs/path" arguments. The
// hook tool reads the files while it parses its arguments, in the same
// container, so the directory can go as soon as the tool returns. File
// names are indexes, so keys never become paths.
func writeSecretFiles(tool string, content map[string]string) (args []string, cleanup func(), err error) {
	keys := make([]string, 0, len(content))
	for k := range content {
		// Checked here, not only by jujuc: a key with "=" would shift the
		// split point and make jujuc store the wrong thing.
		if !secretKeyRE.MatchString(k) {
			return nil, nil, fmt.Errorf("%s: invalid secret key %q: want a lowercase letter then at least two lowercase letters, digits or single hyphens", tool, k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dir, err := os.MkdirTemp("", "hooktool-secret-")
	if err != nil {
		return nil, nil, fmt.Errorf("%s: create secret content directory: %w", tool, err)
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	if dir, err = filepath.Abs(dir); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("%s: secret content directory: %w", tool, err)
	}
	args = make([]string, len(keys))
	for i, k := range keys {
		path := filepath.Join(dir, strconv.Itoa(i))
		if err := writePrivateFile(path, content[k]); err != nil {
			cleanup()
			// The OS error names the path only, never the value.
			return nil, nil, fmt.Errorf("%s: write secret content for key %q: %w", tool, k, err)
		}
		args[i] = k + "#file=" + path
	}
	return args, cleanup, nil
}

func writePrivateFile(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(value); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// SecretGet returns a secret's content (decoded from base64 by Juju).
// ref needs an ID, a label, or both.
func (c *Client) SecretGet(ctx context.Context, ref SecretRef, opts SecretGetOptions) (map[string]string, error) {
	const tool = "secret-get"
	if ref.ID == "" && ref.Label == "" {
		return nil, fmt.Errorf("%s: require either a secret URI or label", tool)
	}
	if opts.Peek && opts.Refresh {
		return nil, fmt.Errorf("%s: specify one of peek or refresh but not both", tool)
	}
	flags := []string{formatJSON}
	if ref.Label != "" {
		flags = append(flags, "--label", ref.Label)
	}
	if opts.Peek {
		flags = append(flags, "--peek")
	}
	if opts.Refresh {
		flags = append(flags, "--refresh")
	}
	var pos []string
	if ref.ID != "" {
		pos = []string{ref.ID}
	}
	var content map[string]string
	if err := c.runJSON(ctx, tool, withPositional(flags, pos...), &content); err != nil {
		return nil, err
	}
	if content == nil {
		content = map[string]string{}
	}
	return content, nil
}

// secretInfoOutput is one entry of secret-info-get's output.
type secretInfoOutput struct {
	Revision    int        `json:"revision"`
	Label       string     `json:"label"`
	Owner       string     `json:"owner"`
	Description string     `json:"description"`
	Rotation    string     `json:"rotation"`
	Expiry      *time.Time `json:"expiry"`
	Rotates     *time.Time `json:"rotates"`
	Access      []struct {
		Target string `json:"target"`
		Scope  string `json:"scope"`
		Role   string `json:"role"`
	} `json:"access"`
}

// SecretInfoGet returns the metadata of a secret this unit or its
// application owns. ref needs exactly one of ID or label.
func (c *Client) SecretInfoGet(ctx context.Context, ref SecretRef) (SecretInfo, error) {
	const tool = "secret-info-get"
	var args []string
	switch {
	case ref.ID != "" && ref.Label != "":
		return SecretInfo{}, fmt.Errorf("%s: specify either a secret URI or label but not both", tool)
	case ref.ID != "":
		args = withPositional([]string{formatJSON}, ref.ID)
	case ref.Label != "":
		args = []string{formatJSON, "--label", ref.Label}
	default:
		return SecretInfo{}, fmt.Errorf("%s: require either a secret URI or label", tool)
	}
	out, err := c.run(ctx, tool, args, nil)
	if err != nil {
		return SecretInfo{}, err
	}
	return decodeSecretInfo(out)
}

// secretInfoFromOutput converts the map keyed by bare ID, which holds
// exactly one secret.
func secretInfoFromOutput(tool string, out map[string]secretInfoOutput) (SecretInfo, error) {
	if len(out) != 1 {
		return SecretInfo{}, fmt.Errorf("%s: expected one secret in output, got %d", tool, len(out))
	}
	var info SecretInfo
	for id, md := range out {
		info = SecretInfo{
			ID:          id,
			Label:       md.Label,
			Owner:       md.Owner,
			Description: md.Description,
			Revision:    md.Revision,
			Rotation:    md.Rotation,
		}
		if md.Expiry != nil {
			info.Expiry = *md.Expiry
		}
		if md.Rotates != nil {
			info.Rotates = *md.Rotates
		}
		for _, a := range md.Access {
			info.Access = append(info.Access, SecretAccess{Target: a.Target, Scope: a.Scope, Role: a.Role})
		}
	}
	return info, nil
}

// SecretIDs returns the bare IDs of the secrets this unit's application
// owns, sorted.
func (c *Client) SecretIDs(ctx context.Context) ([]string, error) {
	var ids []string
	if err := c.runJSON(ctx, "secret-ids", []string{formatJSON}, &ids); err != nil {
		return nil, err
	}
	if ids == nil {
		ids = []string{}
	}
	sort.Strings(ids)
	return ids, nil
}

// SecretGrant gives the remote application of relation relID read access
// to the secret, or only unit (which must belong to that application)
// when unit is not empty. Committed when the hook exits 0.
func (c *Client) SecretGrant(ctx context.Context, id string, relID int, unit string) error {
	const tool = "secret-grant"
	flags, err := relFlag(tool, relID)
	if err != nil {
		return err
	}
	if unit != "" {
		flags = append(flags, "--unit", unit)
	}
	_, err = c.run(ctx, tool, withPositional(flags, id), nil)
	return err
}

// SecretRevoke withdraws access to the secret from the remote application
// of relation relID (relID < 0: no relation), from app, or from unit. Juju
// needs at least one target, rejects app together with unit or with a
// relation; those rules are checked here first.
func (c *Client) SecretRevoke(ctx context.Context, id string, relID int, app, unit string) error {
	const tool = "secret-revoke"
	switch {
	case relID < 0 && app == "" && unit == "":
		return fmt.Errorf("%s: missing relation or application or unit", tool)
	case app != "" && unit != "":
		return fmt.Errorf("%s: specify only one of application or unit", tool)
	case relID >= 0 && app != "":
		return fmt.Errorf("%s: do not specify both relation and app", tool)
	}
	var flags []string
	if relID >= 0 {
		flags = append(flags, "-r", strconv.Itoa(relID))
	}
	if app != "" {
		flags = append(flags, "--app", app)
	}
	if unit != "" {
		flags = append(flags, "--unit", unit)
	}
	_, err := c.run(ctx, tool, withPositional(flags, id), nil)
	return err
}

// SecretRemove removes one revision of a secret this unit or application
// owns, or the whole secret when revision is 0. Committed when the hook
// exits 0.
func (c *Client) SecretRemove(ctx context.Context, id string, revision int) error {
	const tool = "secret-remove"
	if revision < 0 {
		return fmt.Errorf("%s: invalid revision %d", tool, revision)
	}
	var flags []string
	if revision > 0 {
		flags = []string{"--revision", strconv.Itoa(revision)}
	}
	_, err := c.run(ctx, tool, withPositional(flags, id), nil)
	return err
}

// decodeSecretInfo decodes secret-info-get's output.
func decodeSecretInfo(out []byte) (SecretInfo, error) {
	const tool = "secret-info-get"
	var m map[string]secretInfoOutput
	if err := decodeJSON(tool, out, &m); err != nil {
		return SecretInfo{}, err
	}
	return secretInfoFromOutput(tool, m)
}
