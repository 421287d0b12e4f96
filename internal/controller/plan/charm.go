package plan

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/juju/charm/v12"

	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmpack"
)

// Charm is a local charm as both Juju and this repository see it.
type Charm struct {
	// Path is the absolute path of the archive or directory.
	Path string
	// Juju is Juju's reading of the charm (metadata, config, actions,
	// manifest), the one every Juju check in this package runs against.
	Juju charm.Charm
	// Def is the charm's charmcraft.yaml, or nil when the charm has none
	// (a .charm archive, or a directory holding Juju's own metadata.yaml
	// without it).
	Def *charmcraft.Charm
	// Dispatch is the path of the directory's dispatch executable, or ""
	// when the charm is an archive (dispatch is inside it) or the
	// directory has none.
	Dispatch string

	// rendered: read from charmcraft.yaml, which Juju's readers do not
	// know; code that hands the path to Juju must not.
	rendered bool
}

// Name is the charm's name from its metadata.
func (c *Charm) Name() string { return c.Juju.Meta().Name }

// Meta is Juju's metadata of the charm.
func (c *Charm) Meta() *charm.Meta { return c.Juju.Meta() }

// Config is Juju's view of the charm's options (never nil).
func (c *Charm) Config() *charm.Config {
	if cfg := c.Juju.Config(); cfg != nil {
		return cfg
	}
	return charm.NewConfig()
}

// actionSpecs returns the charm's actions (never nil).
func (c *Charm) actionSpecs() map[string]charm.ActionSpec {
	if a := c.Juju.Actions(); a != nil && a.ActionSpecs != nil {
		return a.ActionSpecs
	}
	return map[string]charm.ActionSpec{}
}

// LoadCharm reads a local charm the way `juju deploy <path>` does
// (core/charm.NewCharmAtPath: charm.ReadCharm, then charm.CheckMeta) and
// reports problems with the deploy command's texts
// (cmd/juju/application/deployer/deployer.go, localCharmDeployer):
//
//   - a file is read as a .charm archive; a file that is no zip gives
//     `invalid charm or bundle provided at "<path>"`;
//   - a directory with metadata.yaml is read as Juju reads a charm
//     directory; its charmcraft.yaml, if any, is loaded into Def;
//   - a directory with only charmcraft.yaml (this repository's layout) is
//     rendered in memory into what `make charms` would pack —
//     metadata.yaml, manifest.yaml, config.yaml, actions.yaml — and read
//     from that, then checked by our stricter validator as well;
//   - anything Juju rejects gives `attempting to deploy "<path>": <Juju's error>`.
//
// A missing path makes Juju fall back to a Charmhub lookup; the local
// controller has no Charmhub, so it says `no charm or bundle at "<path>"`.
func LoadCharm(path string) (*Charm, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no charm or bundle at %q: %w", path, fs.ErrNotExist)
	}
	c, err := readLocalCharm(path)
	if errors.Is(err, zip.ErrFormat) {
		return nil, fmt.Errorf("invalid charm or bundle provided at %q", path)
	}
	if err != nil {
		return nil, fmt.Errorf("attempting to deploy %q: %w", path, err)
	}
	return c, nil
}

// readLocalCharm is LoadCharm without the deploy command's wording.
func readLocalCharm(path string) (*Charm, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	c := &Charm{Path: abs}
	switch {
	case !info.IsDir():
		c.Juju, err = charm.ReadCharmArchive(abs)
	case exists(filepath.Join(abs, "metadata.yaml")) || !exists(filepath.Join(abs, charmcraft.FileName)):
		// Juju's own directory layout; without either file Juju's
		// reader gives its "reading metadata.yaml" error.
		c.Juju, err = charm.ReadCharmDir(abs)
		if err == nil && exists(filepath.Join(abs, charmcraft.FileName)) {
			c.Def, err = charmcraft.Load(abs)
		}
	default:
		c.Def, c.Juju, err = readCharmcraftDir(abs)
		c.rendered = true
	}
	if err != nil {
		return nil, err
	}
	if err := charm.CheckMeta(c.Juju); err != nil {
		return nil, err
	}
	if c.Def != nil {
		// Ours is stricter than Juju (unknown keys, name rules, schema
		// types); `make charms` refuses what it refuses, so must we.
		if err := c.Def.Validate(); err != nil {
			return nil, err
		}
	}
	if info.IsDir() {
		if fi, err := os.Stat(filepath.Join(abs, charmpack.DispatchName)); err == nil && fi.Mode().IsRegular() {
			c.Dispatch = filepath.Join(abs, charmpack.DispatchName)
		}
	}
	return c, nil
}

// readCharmcraftDir renders a charmcraft.yaml directory into the archive
// entries `make charms` writes (without dispatch, which Juju's readers
// never open) and reads them with Juju's archive reader, so Juju judges
// exactly what would be deployed.
func readCharmcraftDir(dir string) (*charmcraft.Charm, charm.Charm, error) {
	def, err := charmcraft.Load(dir)
	if err != nil {
		return nil, nil, err
	}
	files, err := charmpack.Files(def)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	if err := charmpack.Write(&buf, files); err != nil {
		return nil, nil, err
	}
	ch, err := charm.ReadCharmArchiveBytes(buf.Bytes())
	if err != nil {
		return nil, nil, err
	}
	return def, ch, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
