package jujuc

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v2"
)

// parseKeyValues parses "key=value" arguments as juju/utils keyvalues.Parse
// does with empty values allowed: keys and values are trimmed, empty
// arguments skipped, duplicates rejected.
func parseKeyValues(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range args {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf(`expected "key=value", got %q`, kv)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" {
			return nil, fmt.Errorf(`expected "key=value", got "%s=%s"`, k, v)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("key %q specified more than once", k)
		}
		out[k] = v
	}
	return out, nil
}

// fileFlag is juju/cmd's FileVar with "-" meaning stdin.
type fileFlag struct{ path string }

func (f *fileFlag) Set(v string) error { f.path = v; return nil }
func (f *fileFlag) String() string     { return f.path }

func (f *fileFlag) read(rc *runContext) ([]byte, error) {
	if f.path == "-" {
		return rc.stdin, nil
	}
	return os.ReadFile(rc.path(f.path))
}

// readSettingsFile reads a YAML map of strings from --file, then lets the
// key=value arguments override it (relation-set, state-set).
func readSettingsFile(rc *runContext, f *fileFlag, overrides map[string]string) (map[string]string, error) {
	if f.path == "" {
		return overrides, nil
	}
	data, err := f.read(rc)
	if err != nil {
		return nil, err
	}
	kvs, err := readSettings(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	for k, v := range overrides {
		kvs[k] = v
	}
	return kvs, nil
}

func readSettings(r io.Reader) (map[string]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	kvs := map[string]string{}
	if err := yaml.Unmarshal(data, kvs); err != nil {
		return nil, err
	}
	return kvs, nil
}
