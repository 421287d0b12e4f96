package jujuc

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/juju/gnuflag"
	"gopkg.in/yaml.v2"
)

// formatter writes a value in one output format. Juju's formatters
// (juju/cmd output.go) are reproduced here because the exact bytes are
// part of the tool's contract with charms.
type formatter func(w io.Writer, value any) error

// formatYAML is yaml.v2 (the library Juju uses) with trailing newlines
// collapsed to one; nil prints nothing.
func formatYAML(w io.Writer, value any) error {
	if value == nil {
		return nil
	}
	out, err := yaml.Marshal(value)
	if err != nil {
		return err
	}
	// Keep at least one byte, as juju/cmd does, then re-add one newline.
	for len(out) > 1 && out[len(out)-1] == '\n' {
		out = out[:len(out)-1]
	}
	if len(out) == 0 {
		return nil
	}
	_, err = w.Write(append(out, '\n'))
	return err
}

// formatJSON is json.Marshal plus a newline; nil prints "null".
func formatJSON(w io.Writer, value any) error {
	out, err := json.Marshal(value)
	if err != nil {
		return err
	}
	_, err = w.Write(append(out, '\n'))
	return err
}

// formatSmart prints strings raw, []string one per line, bools as
// True/False (pyjuju's spelling) and everything else as YAML. Empty
// strings and nil print nothing.
func formatSmart(w io.Writer, value any) error {
	if value == nil {
		return nil
	}
	var s string
	switch v := value.(type) {
	case string:
		s = v
	case []string:
		s = strings.Join(v, "\n")
	case bool:
		s = "False"
		if v {
			s = "True"
		}
	default:
		return formatYAML(w, value)
	}
	if s == "" {
		return nil
	}
	_, err := io.WriteString(w, s+"\n")
	return err
}

var (
	defaultFormatters = map[string]formatter{"smart": formatSmart, "yaml": formatYAML, "json": formatJSON}
	// serialFormatters is for tools that only offer yaml and json.
	serialFormatters = map[string]formatter{"yaml": formatYAML, "json": formatJSON}
)

// formatValue is the --format flag.
type formatValue struct {
	name       string
	formatters map[string]formatter
}

func (v *formatValue) Set(s string) error {
	if v.formatters[s] == nil {
		return fmt.Errorf("unknown format %q", s)
	}
	v.name = s
	return nil
}

func (v *formatValue) String() string { return v.name }

func (v *formatValue) doc() string {
	names := make([]string, 0, len(v.formatters))
	for n := range v.formatters {
		names = append(names, n)
	}
	sort.Strings(names)
	return "Specify output format (" + strings.Join(names, "|") + ")"
}

// output is juju/cmd's Output: --format plus -o/--output.
type output struct {
	format  formatValue
	outPath string
}

func (o *output) addFlags(f *gnuflag.FlagSet, def string, formatters map[string]formatter) {
	o.format = formatValue{name: def, formatters: formatters}
	f.Var(&o.format, "format", o.format.doc())
	f.StringVar(&o.outPath, "o", "", "Specify an output file")
	f.StringVar(&o.outPath, "output", "", "")
}

// formatName is the chosen format.
func (o *output) formatName() string { return o.format.name }

func (o *output) write(rc *runContext, value any) error {
	fn := o.format.formatters[o.format.name]
	if o.outPath == "" {
		return fn(rc.stdout, value)
	}
	f, err := os.Create(rc.path(o.outPath))
	if err != nil {
		return err
	}
	if err := fn(f, value); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
