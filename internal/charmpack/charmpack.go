// Package charmpack turns a charm definition and a compiled dispatch binary
// into a .charm archive that Juju can deploy, without charmcraft.
//
// A .charm is a zip holding metadata.yaml, manifest.yaml, optional
// config.yaml and actions.yaml, and the executable Juju runs for every hook
// (dispatch). Archives are deterministic: entries are sorted and carry a
// fixed modification time, so building twice from the same inputs yields
// byte-identical files.
package charmpack

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/identity-platform-go/charms/internal/charmcraft"
)

// DispatchName is the archive entry Juju runs for every hook and action.
const DispatchName = "dispatch"

// epoch is the modification time of every entry: the earliest time a zip
// (MS-DOS) timestamp can hold, so the archive does not depend on when or
// where it was built.
var epoch = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// File is one archive entry.
type File struct {
	Name string
	Mode fs.FileMode // permission bits; Juju keeps them when it unpacks
	Data []byte
}

// Files renders the YAML entries Juju reads from a charm archive. It does
// not validate the definition (Pack does), which lets tests put definitions
// Juju must reject into an archive.
func Files(c *charmcraft.Charm) ([]File, error) {
	gens := []struct {
		name string
		gen  func() ([]byte, error)
	}{
		{"metadata.yaml", c.MetadataYAML},
		{"manifest.yaml", c.ManifestYAML},
		{"config.yaml", c.ConfigYAML},
		{"actions.yaml", c.ActionsYAML},
	}
	var files []File
	for _, g := range gens {
		data, err := g.gen()
		if err != nil {
			return nil, err
		}
		if data == nil {
			continue // optional file with nothing to say
		}
		files = append(files, File{Name: g.name, Mode: 0o644, Data: data})
	}
	return files, nil
}

// Write writes files as a zip archive to w, sorted by name and with fixed
// timestamps. Names must be unique, relative and slash-separated.
func Write(w io.Writer, files []File) error {
	sorted := slices.Clone(files)
	slices.SortFunc(sorted, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	for i, f := range sorted {
		if f.Name == "" || strings.HasPrefix(f.Name, "/") || strings.Contains(f.Name, "\\") {
			return fmt.Errorf("write charm archive: invalid entry name %q", f.Name)
		}
		if i > 0 && sorted[i-1].Name == f.Name {
			return fmt.Errorf("write charm archive: duplicate entry %q", f.Name)
		}
	}
	zw := zip.NewWriter(w)
	for _, f := range sorted {
		hdr, err := zip.FileInfoHeader(entryInfo{f})
		if err != nil {
			return fmt.Errorf("write charm archive: header for %s: %w", f.Name, err)
		}
		hdr.Name = f.Name // FileInfoHeader keeps only the base name
		hdr.Method = zip.Deflate
		hdr.Modified = epoch
		// SetMode records Unix permissions in the external attributes;
		// Juju restores them on unpack, and dispatch must stay executable.
		hdr.SetMode(f.Mode.Perm())
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return fmt.Errorf("write charm archive: %s: %w", f.Name, err)
		}
		if _, err := fw.Write(f.Data); err != nil {
			return fmt.Errorf("write charm archive: %s: %w", f.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write charm archive: %w", err)
	}
	return nil
}

// entryInfo presents an in-memory File as fs.FileInfo for zip.FileInfoHeader.
type entryInfo struct{ f File }

func (e entryInfo) Name() string       { return filepath.Base(e.f.Name) }
func (e entryInfo) Size() int64        { return int64(len(e.f.Data)) }
func (e entryInfo) Mode() fs.FileMode  { return e.f.Mode.Perm() }
func (e entryInfo) ModTime() time.Time { return epoch }
func (e entryInfo) IsDir() bool        { return false }
func (e entryInfo) Sys() any           { return nil }

// Options says what to pack and where.
type Options struct {
	// Charm is the definition; Pack validates it first.
	Charm *charmcraft.Charm
	// Dispatch is the path of the compiled dispatch binary (see Build).
	Dispatch string
	// Output is the path of the .charm file to write. Its directory must
	// exist. An existing file is replaced atomically.
	Output string
}

// Result describes a written archive.
type Result struct {
	Path string
	Size int64
}

// Pack validates the charm definition, renders its YAML files, adds the
// dispatch binary with mode 0755 and writes the archive to opts.Output.
// The archive appears under its final name only once it is complete.
func Pack(opts Options) (Result, error) {
	if opts.Charm == nil {
		return Result{}, fmt.Errorf("pack: no charm definition")
	}
	if opts.Output == "" {
		return Result{}, fmt.Errorf("pack %s: no output path", opts.Charm.Name)
	}
	if err := opts.Charm.Validate(); err != nil {
		return Result{}, fmt.Errorf("pack: %w", err)
	}
	files, err := Files(opts.Charm)
	if err != nil {
		return Result{}, fmt.Errorf("pack %s: %w", opts.Charm.Name, err)
	}
	dispatch, err := readDispatch(opts.Dispatch)
	if err != nil {
		return Result{}, fmt.Errorf("pack %s: %w", opts.Charm.Name, err)
	}
	files = append(files, File{Name: DispatchName, Mode: 0o755, Data: dispatch})

	var buf bytes.Buffer
	if err := Write(&buf, files); err != nil {
		return Result{}, fmt.Errorf("pack %s: %w", opts.Charm.Name, err)
	}
	if err := writeAtomic(opts.Output, buf.Bytes()); err != nil {
		return Result{}, fmt.Errorf("pack %s: %w", opts.Charm.Name, err)
	}
	return Result{Path: opts.Output, Size: int64(buf.Len())}, nil
}

func readDispatch(path string) ([]byte, error) {
	if path == "" {
		return nil, fmt.Errorf("no dispatch binary given")
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("dispatch binary: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("dispatch binary %s is not a regular file", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dispatch binary: %w", err)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("dispatch binary %s is empty", path)
	}
	return data, nil
}

// writeAtomic writes data to a temporary file next to path and renames it
// into place, so an interrupted build never leaves a truncated .charm that
// a later deploy would pick up.
func writeAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
