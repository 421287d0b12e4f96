package pod

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// podKey identifies a unit's pod in the runtime: model and "<app>-<n>".
type podKey struct{ model, name string }

func (k podKey) String() string { return k.model + "/" + k.name }

// record is what the state directory keeps about a pod between runtime
// restarts: its index, hence its address and link names.
type record struct {
	Model       string `json:"model"`
	Application string `json:"application"`
	Unit        int    `json:"unit"`
	Index       int    `json:"index"`
}

func (r record) key() podKey { return podKey{r.Model, fmt.Sprintf("%s-%d", r.Application, r.Unit)} }

// State directory layout:
//
//	<StateDir>/lock                                  flock held by the open runtime
//	<StateDir>/pods/<model>/<app>-<n>/pod.json       the record (until Destroy)
//	<StateDir>/pods/<model>/<app>-<n>/storage/<name> storage (until DestroyStorage)
func podStateDir(stateDir string, k podKey) string {
	return filepath.Join(stateDir, "pods", k.model, k.name)
}

func recordPath(stateDir string, k podKey) string {
	return filepath.Join(podStateDir(stateDir, k), "pod.json")
}

func storageDir(stateDir string, k podKey, name string) string {
	return filepath.Join(podStateDir(stateDir, k), "storage", name)
}

// loadRecords reads every pod record of the state directory.
func loadRecords(stateDir string) (map[podKey]record, error) {
	files, err := filepath.Glob(filepath.Join(stateDir, "pods", "*", "*", "pod.json"))
	if err != nil {
		return nil, err
	}
	records := map[podKey]record{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read pod record: %w", err)
		}
		var r record
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("pod record %s: %w", f, err)
		}
		if recordPath(stateDir, r.key()) != f {
			return nil, fmt.Errorf("pod record %s names another pod (%s)", f, r.key())
		}
		records[r.key()] = r
	}
	return records, nil
}

// writeRecord stores r atomically (temporary file and rename), so that a
// killed runtime leaves either the old record or the new one.
func writeRecord(stateDir string, r record) error {
	path := recordPath(stateDir, r.key())
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write pod record: %w", err)
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write pod record: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write pod record: %w", err)
	}
	return nil
}

// removeRecord deletes the record, and the pod's state directory (and
// the model's) when no storage is left in it.
func removeRecord(stateDir string, k podKey) error {
	if err := os.Remove(recordPath(stateDir, k)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove pod record: %w", err)
	}
	pruneEmpty(stateDir, k)
	return nil
}

// pruneEmpty removes the pod's and the model's state directories if they
// hold nothing (os.Remove refuses non-empty directories).
func pruneEmpty(stateDir string, k podKey) {
	dir := podStateDir(stateDir, k)
	_ = os.Remove(filepath.Join(dir, "storage"))
	_ = os.Remove(dir)
	_ = os.Remove(filepath.Dir(dir))
}
