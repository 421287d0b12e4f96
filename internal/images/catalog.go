// Package images maps the OCI images the charms name as their default
// resources to the local files that stand in for them in the local runtime:
// binaries `make workloads` builds into .workloads/ and host packages it
// installs. The catalog is catalog.yaml, embedded.
package images

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed catalog.yaml
var defaultCatalog []byte

// Origin says where an image's local files come from.
type Origin string

const (
	// Upstream files are built from their upstream sources by `make workloads`.
	Upstream Origin = "upstream"
	// Project files are built from this repository by `make workloads`.
	Project Origin = "project"
	// Host files belong to host packages `make workloads` installs.
	Host Origin = "host"
)

// Image is a resolved catalog entry: what the local runtime puts into a
// container started from it.
type Image struct {
	// Name is the entry's canonical, normalised name (its first name).
	Name        string
	Description string
	Origin      Origin
	// Files are sorted by Path; every Source exists.
	Files []File
	// Users the image has; the runtime must provide them.
	Users []string
	// Env is the image's default environment.
	Env map[string]string
}

// File is one container path and the absolute host path that provides it
// (a file or a directory).
type File struct {
	Path   string
	Source string
}

// Catalog is a validated set of image entries.
type Catalog struct {
	entries []entry
	byName  map[string]int // normalised name -> index into entries
}

type entry struct {
	Names       []string          `yaml:"names"`
	Description string            `yaml:"description"`
	Origin      Origin            `yaml:"origin"`
	Files       map[string]string `yaml:"files"`
	Users       []string          `yaml:"users"`
	Env         map[string]string `yaml:"env"`
}

type document struct {
	Images []entry `yaml:"images"`
}

// Default returns the catalog embedded in the binary.
func Default() (*Catalog, error) {
	c, err := Parse(defaultCatalog)
	if err != nil {
		return nil, fmt.Errorf("embedded image catalog: %w", err)
	}
	return c, nil
}

var (
	userPattern = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	envPattern  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Parse decodes and validates a catalog. Decoding is strict (unknown keys
// and duplicate keys are errors); every name must be a valid image reference
// and no name may appear twice, even in different spellings; container paths
// must be absolute and clean; sources must be clean absolute host paths or
// relative paths that stay inside the workloads directory.
func Parse(data []byte) (*Catalog, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc document
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("image catalog is empty")
		}
		return nil, fmt.Errorf("decoding image catalog: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("decoding image catalog: more than one YAML document")
	}
	if len(doc.Images) == 0 {
		return nil, fmt.Errorf("image catalog has no images")
	}
	c := &Catalog{byName: map[string]int{}}
	for i, e := range doc.Images {
		if err := e.validate(); err != nil {
			return nil, fmt.Errorf("image catalog entry %d: %w", i+1, err)
		}
		for j, name := range e.Names {
			norm, err := NormalizeName(name)
			if err != nil {
				return nil, fmt.Errorf("image catalog entry %d: %w", i+1, err)
			}
			if prev, dup := c.byName[norm]; dup {
				return nil, fmt.Errorf("image catalog entry %d: image %s is also in entry %d", i+1, norm, prev+1)
			}
			c.byName[norm] = i
			e.Names[j] = norm
		}
		c.entries = append(c.entries, e)
	}
	return c, nil
}

func (e *entry) validate() error {
	if len(e.Names) == 0 {
		return fmt.Errorf("no names")
	}
	if strings.TrimSpace(e.Description) == "" {
		return fmt.Errorf("%s: no description", e.Names[0])
	}
	switch e.Origin {
	case Upstream, Project, Host:
	default:
		return fmt.Errorf("%s: origin %q is not one of %s, %s, %s", e.Names[0], e.Origin, Upstream, Project, Host)
	}
	// A host image may consist of the host's system directories alone,
	// which every container sees anyway.
	if len(e.Files) == 0 && e.Origin != Host {
		return fmt.Errorf("%s: no files", e.Names[0])
	}
	for p, src := range e.Files {
		if !path.IsAbs(p) || path.Clean(p) != p || p == "/" {
			return fmt.Errorf("%s: container path %q is not a clean absolute path below /", e.Names[0], p)
		}
		if err := validateSource(src); err != nil {
			return fmt.Errorf("%s: file %s: %w", e.Names[0], p, err)
		}
	}
	seen := map[string]bool{}
	for _, u := range e.Users {
		if !userPattern.MatchString(u) {
			return fmt.Errorf("%s: invalid user name %q", e.Names[0], u)
		}
		if seen[u] {
			return fmt.Errorf("%s: user %s listed twice", e.Names[0], u)
		}
		seen[u] = true
	}
	for k, v := range e.Env {
		if !envPattern.MatchString(k) {
			return fmt.Errorf("%s: invalid environment variable name %q", e.Names[0], k)
		}
		if strings.ContainsRune(v, 0) {
			return fmt.Errorf("%s: environment variable %s holds a NUL byte", e.Names[0], k)
		}
	}
	return nil
}

func validateSource(src string) error {
	if src == "" {
		return fmt.Errorf("empty source")
	}
	if strings.ContainsRune(src, 0) {
		return fmt.Errorf("source %q holds a NUL byte", src)
	}
	if filepath.IsAbs(src) {
		if filepath.Clean(src) != src {
			return fmt.Errorf("source %q is not a clean path", src)
		}
		return nil
	}
	if !filepath.IsLocal(src) || filepath.Clean(src) != src {
		return fmt.Errorf("source %q must be a clean path inside the workloads directory or an absolute host path", src)
	}
	return nil
}

// Names returns every image name the catalog knows, normalised and sorted.
func (c *Catalog) Names() []string {
	return slices.Sorted(maps.Keys(c.byName))
}

// UnknownImageError is returned by Resolve for an image the catalog has no
// entry for.
type UnknownImageError struct {
	Image string   // as asked for
	Known []string // every name the catalog knows, normalised and sorted
}

func (e *UnknownImageError) Error() string {
	return fmt.Sprintf("image %q is not in the local image catalog; known images: %s", e.Image, strings.Join(e.Known, ", "))
}

// MissingFileError is returned by Resolve when a file an image needs is
// not on this machine.
type MissingFileError struct {
	Image  string // canonical image name
	Path   string // container path
	Source string // absolute host path that is missing
	Origin Origin
	Err    error // from os.Stat
}

func (e *MissingFileError) Error() string {
	what := "is missing on this host"
	if e.Origin != Host {
		what = "is not built yet"
	}
	return fmt.Sprintf("image %s: %s (%s) %s: run \"make workloads\"", e.Image, e.Path, e.Source, what)
}

func (e *MissingFileError) Unwrap() error { return e.Err }

// Resolve finds image (any spelling Docker treats as the same name) and
// returns its files with absolute sources, relative ones taken from
// workloadsDir (normally <repo>/.workloads). Every source must exist; a
// missing one is a *MissingFileError.
func (c *Catalog) Resolve(image, workloadsDir string) (Image, error) {
	norm, err := NormalizeName(image)
	if err != nil {
		return Image{}, err
	}
	i, ok := c.byName[norm]
	if !ok {
		return Image{}, &UnknownImageError{Image: image, Known: c.Names()}
	}
	e := c.entries[i]
	dir, err := filepath.Abs(workloadsDir)
	if err != nil {
		return Image{}, fmt.Errorf("image %s: workloads directory: %w", e.Names[0], err)
	}
	img := Image{
		Name:        e.Names[0],
		Description: e.Description,
		Origin:      e.Origin,
		Users:       slices.Clone(e.Users),
		Env:         maps.Clone(e.Env),
	}
	if img.Env == nil {
		img.Env = map[string]string{}
	}
	for _, p := range slices.Sorted(maps.Keys(e.Files)) {
		src := e.Files[p]
		if !filepath.IsAbs(src) {
			src = filepath.Join(dir, src)
		}
		if _, err := os.Stat(src); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return Image{}, &MissingFileError{Image: img.Name, Path: p, Source: src, Origin: e.Origin, Err: err}
			}
			return Image{}, fmt.Errorf("image %s: file %s: %w", img.Name, p, err)
		}
		img.Files = append(img.Files, File{Path: p, Source: src})
	}
	return img, nil
}
