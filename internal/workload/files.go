package workload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/canonical/pebble/client"
)

// ErrNotFound is wrapped by Pull's error when the file does not exist.
var ErrNotFound = errors.New("file not found")

// PushOptions says how a pushed file is created.
type PushOptions struct {
	// Permissions default to 0644 (Pebble's default) when zero.
	Permissions fs.FileMode
	// User and Group own the file; empty means Pebble's user.
	User, Group string
	// MakeDirs creates missing parent directories.
	MakeDirs bool
}

// Push writes content to path, replacing any file there.
func (c *Container) Push(ctx context.Context, path string, content []byte, opts PushOptions) error {
	if err := c.check(ctx); err != nil {
		return err
	}
	err := c.api.Push(&client.PushOptions{
		Source:      bytes.NewReader(content),
		Path:        path,
		MakeDirs:    opts.MakeDirs,
		Permissions: opts.Permissions,
		User:        opts.User,
		Group:       opts.Group,
	})
	if err != nil {
		return c.wrap("push "+path, err)
	}
	return nil
}

// PushIfChanged pushes content to path only when the file's current
// content differs (a missing file counts as changed), so that callers can
// restart a service only when its configuration really changed. Only the
// content is compared, not permissions or ownership.
func (c *Container) PushIfChanged(ctx context.Context, path string, content []byte, opts PushOptions) (changed bool, err error) {
	current, err := c.Pull(ctx, path)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return false, err
	case bytes.Equal(current, content):
		return false, nil
	}
	if err := c.Push(ctx, path, content, opts); err != nil {
		return false, err
	}
	return true, nil
}

// Pull reads the file at path; a missing file gives an error wrapping
// ErrNotFound.
func (c *Container) Pull(ctx context.Context, path string) ([]byte, error) {
	if err := c.check(ctx); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err := c.api.Pull(&client.PullOptions{Path: path, Target: &buf})
	var perr *client.Error
	if errors.As(err, &perr) && perr.Kind == client.ErrorKindNotFound {
		return nil, c.wrap("pull "+path, fmt.Errorf("%w: %w", ErrNotFound, err))
	}
	if err != nil {
		return nil, c.wrap("pull "+path, err)
	}
	return buf.Bytes(), nil
}
