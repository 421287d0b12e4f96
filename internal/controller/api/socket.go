package api

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Listen opens the controller's socket at path, readable and writable by
// its owner only: the directory holding it is created 0700 (an existing
// one must already be 0700 and owned by us or owner: the socket is the
// controller's whole API, so nobody else may reach it) and the socket
// itself is 0600. With owner >= 0 (the user who ran `sudo juju-local
// bootstrap`, from SUDO_UID) the directory and socket are chowned to that
// user, so they can use the controller without sudo; root always can.
//
// A stale socket left by a crashed daemon is removed; a live one (a
// controller answering on it) is an error.
func Listen(path string, owner int) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := ensurePrivateDir(dir, owner); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(path); err == nil {
		if live(path) {
			return nil, fmt.Errorf("a controller is already listening on %s", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("removing stale socket: %w", err)
		}
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	// The directory already keeps others out while the umask-dependent
	// mode is tightened here.
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("setting socket mode: %w", err)
	}
	if owner >= 0 {
		if err := os.Lchown(path, owner, -1); err != nil {
			l.Close()
			return nil, fmt.Errorf("giving the socket to uid %d: %w", owner, err)
		}
	}
	return l, nil
}

func ensurePrivateDir(dir string, owner int) error {
	err := os.Mkdir(dir, 0o700)
	switch {
	case err == nil:
		// Mkdir honours the umask, which can only remove bits: 0700 stays.
		if owner >= 0 {
			if err := os.Lchown(dir, owner, -1); err != nil {
				return fmt.Errorf("giving %s to uid %d: %w", dir, owner, err)
			}
		}
		return nil
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return fmt.Errorf("creating socket directory: %w", err)
		}
		return ensurePrivateDir(dir, owner)
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("creating socket directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("checking socket directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("socket directory %s is not a directory", dir)
	}
	if fi.Mode().Perm() != 0o700 {
		return fmt.Errorf("socket directory %s has mode %04o, want 0700: use a directory of its own for the socket", dir, fi.Mode().Perm())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		uid := int(st.Uid)
		if uid != os.Geteuid() && uid != owner {
			return fmt.Errorf("socket directory %s belongs to uid %d", dir, uid)
		}
		if owner >= 0 && uid != owner {
			if err := os.Lchown(dir, owner, -1); err != nil {
				return fmt.Errorf("giving %s to uid %d: %w", dir, owner, err)
			}
		}
	}
	return nil
}

// live reports whether something answers on the socket.
func live(path string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
