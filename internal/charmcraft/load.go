package charmcraft

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// FileName is the name of the unified charm definition inside a charm
// directory.
const FileName = "charmcraft.yaml"

// Load reads a unified charmcraft.yaml. path is either the file itself or
// the charm directory holding it. The result is decoded strictly but not
// validated; call Validate before generating anything from it.
func Load(path string) (*Charm, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load charm definition: %w", err)
	}
	if info.IsDir() {
		path = filepath.Join(path, FileName)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load charm definition: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse decodes a unified charmcraft.yaml. Decoding is strict: unknown keys
// (usually typos such as "requries") and duplicate keys are errors, because
// Juju silently ignores unknown metadata keys and the mistake would only
// surface as a missing endpoint after deployment.
func Parse(data []byte) (*Charm, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Charm
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("parse charmcraft.yaml: document is empty")
		}
		return nil, fmt.Errorf("parse charmcraft.yaml: %w", err)
	}
	// A second document would be ignored by the decoder above; reject it
	// so that what we validate is everything the author wrote.
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("parse charmcraft.yaml: expected a single YAML document")
	}
	return &c, nil
}
