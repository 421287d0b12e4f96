package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// FileName is the model's file inside its directory.
const FileName = "model.json"

// formatVersion is written into every file; Load refuses other versions
// rather than misread them.
const formatVersion = 1

// file is the on-disk envelope.
type file struct {
	Format int    `json:"format"`
	Model  *Model `json:"model"`
}

// Save writes the model to dir/model.json atomically: a temporary file in
// dir is written, synced and renamed over the old one, and the directory
// is synced, so a crash leaves either the old or the new model. The file
// holds secret content: it is mode 0600 and dir is created 0700.
func (m *Model) Save(dir string) error {
	data, err := json.MarshalIndent(file{Format: formatVersion, Model: m}, "", "  ")
	if err != nil {
		return fmt.Errorf("saving model %q: %w", m.Name, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("saving model %q: %w", m.Name, err)
	}
	if err := writeAtomic(dir, FileName, append(data, '\n')); err != nil {
		return fmt.Errorf("saving model %q: %w", m.Name, err)
	}
	return nil
}

func writeAtomic(dir, name string, data []byte) (err error) {
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Load reads the model Save wrote to dir. A missing file is an error
// matching fs.ErrNotExist.
func Load(dir string) (*Model, error) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading model: %w", err)
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("loading model from %s: %w", path, err)
	}
	if f.Format != formatVersion {
		return nil, fmt.Errorf("loading model from %s: format %d, want %d", path, f.Format, formatVersion)
	}
	if f.Model == nil {
		return nil, fmt.Errorf("loading model from %s: no model", path)
	}
	f.Model.fill()
	return f.Model, nil
}

// fill makes the nil maps a JSON file may leave empty.
func (m *Model) fill() {
	if m.Applications == nil {
		m.Applications = map[string]*Application{}
	}
	if m.Relations == nil {
		m.Relations = map[int]*Relation{}
	}
	if m.Secrets == nil {
		m.Secrets = map[string]*Secret{}
	}
	for _, app := range m.Applications {
		if app.Units == nil {
			app.Units = map[int]*Unit{}
		}
		for _, u := range app.Units {
			// Save indents the file, and with it the raw uniter state:
			// give the uniter back the compact form.
			var buf bytes.Buffer
			if len(u.UniterState) > 0 && json.Compact(&buf, u.UniterState) == nil {
				u.UniterState = buf.Bytes()
			}
		}
	}
	for _, r := range m.Relations {
		if r.AppData == nil {
			r.AppData = map[string]map[string]string{}
		}
		if r.AppDataVersion == nil {
			r.AppDataVersion = map[string]int64{}
		}
		if r.UnitData == nil {
			r.UnitData = map[string]map[string]string{}
		}
		if r.UnitDataVersion == nil {
			r.UnitDataVersion = map[string]int64{}
		}
		if r.Members == nil {
			r.Members = map[string][]string{}
		}
	}
}

// Settings are config values as the operator set them. They survive a
// JSON round trip with their types: whole numbers come back as int64 and
// others as float64 (Juju's int options refuse a float64, and its float
// options take an int).
type Settings map[string]any

// UnmarshalJSON implements json.Unmarshaler.
func (s *Settings) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	if raw == nil {
		*s = nil
		return nil
	}
	out := make(Settings, len(raw))
	for k, v := range raw {
		n, ok := v.(json.Number)
		if !ok {
			out[k] = v
			continue
		}
		if i, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
			out[k] = i
			continue
		}
		f, err := n.Float64()
		if err != nil || math.IsInf(f, 0) {
			return errors.Join(fmt.Errorf("config %q: %q is not a number", k, n), err)
		}
		out[k] = f
	}
	*s = out
	return nil
}
