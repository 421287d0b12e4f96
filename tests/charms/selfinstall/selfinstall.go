// Package selfinstall lets a test charm run its own binary as its
// workload: the charm pushes the binary it was dispatched from into its
// workload container, so a test charm needs no image of its own beyond
// the host's system directories.
package selfinstall

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/identity-platform-go/charms/internal/workload"
)

// Install pushes bin to binaryPath when the container's copy differs
// (a SHA-256 stamp at stampPath tells), and restarts service if it runs
// on the old binary.
func Install(ctx context.Context, ctr *workload.Container, bin []byte, binaryPath, stampPath, service string) error {
	sum := sha256.Sum256(bin)
	stamp := []byte(hex.EncodeToString(sum[:]) + "\n")
	cur, err := ctr.Pull(ctx, stampPath)
	if err != nil && !errors.Is(err, workload.ErrNotFound) {
		return err
	}
	if string(cur) == string(stamp) {
		return nil
	}
	if err := ctr.Push(ctx, binaryPath, bin, workload.PushOptions{Permissions: 0o755, MakeDirs: true}); err != nil {
		return err
	}
	if err := ctr.Push(ctx, stampPath, stamp, workload.PushOptions{MakeDirs: true}); err != nil {
		return err
	}
	svcs, err := ctr.Services(ctx, service)
	if err != nil {
		return err
	}
	if svcs[service].Active() {
		return ctr.Restart(ctx, service)
	}
	return nil
}
