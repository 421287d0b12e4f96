package controller

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/controller/plan"
)

// unpackCharm puts the charm at ch.Path into dir, as Juju unpacks a charm
// into the unit's charm directory: an archive is extracted (modes kept), a
// directory is copied.
func unpackCharm(ch *plan.Charm, dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fi, err := os.Stat(ch.Path)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return copyCharmDir(ch, dir)
	}
	zr, err := zip.OpenReader(ch.Path)
	if err != nil {
		return fmt.Errorf("reading charm %s: %w", ch.Path, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		name := filepath.Clean(f.Name)
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("charm %s: bad path %q", ch.Path, f.Name)
		}
		target := filepath.Join(dir, name)
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		mode := f.Mode().Perm()
		if mode == 0 {
			mode = 0o644
		}
		if err := extract(f, target, mode); err != nil {
			return err
		}
	}
	return nil
}

func extract(f *zip.File, target string, mode os.FileMode) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// copyCharmDir copies a charm directory; one with only charmcraft.yaml
// gets Juju's metadata files rendered from it. Its dispatch must exist.
func copyCharmDir(ch *plan.Charm, dir string) error {
	if ch.Dispatch == "" {
		return fmt.Errorf("charm directory %s has no dispatch: build it with `make charms` and deploy the .charm", ch.Path)
	}
	err := filepath.WalkDir(ch.Path, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(ch.Path, path)
		target := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(path, target)
	})
	if err != nil {
		return err
	}
	if ch.Def != nil {
		for name, render := range map[string]func() ([]byte, error){
			"metadata.yaml": ch.Def.MetadataYAML, "config.yaml": ch.Def.ConfigYAML, "actions.yaml": ch.Def.ActionsYAML,
		} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				continue
			}
			data, err := render()
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadMeta reads an unpacked charm's metadata.yaml, config.yaml and
// actions.yaml into the charm definition the hook engine uses (their keys
// are charmcraft.yaml's).
func loadMeta(dir string) (*charmcraft.Charm, error) {
	var meta charmcraft.Charm
	data, err := os.ReadFile(filepath.Join(dir, "metadata.yaml"))
	if err != nil {
		return nil, fmt.Errorf("reading charm metadata: %w", err)
	}
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("reading charm metadata: %w", err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "config.yaml")); err == nil {
		var cfg charmcraft.Config
		if err := yaml.Unmarshal(data, &cfg); err != nil {
			return nil, fmt.Errorf("reading charm config: %w", err)
		}
		meta.Config = &cfg
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if data, err := os.ReadFile(filepath.Join(dir, "actions.yaml")); err == nil {
		if err := yaml.Unmarshal(data, &meta.Actions); err != nil {
			return nil, fmt.Errorf("reading charm actions: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return &meta, nil
}
