// Package jujucmd is juju/cmd's output formats, as Juju 3.6's commands and
// hook tools print them: the YAML, JSON and smart formatters and the
// --format/-o/--output flags. The exact bytes are part of the hook tools'
// contract with charms, so juju/cmd (output.go) is reproduced here rather
// than approximated.
package jujucmd

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

// Formatter writes a value in one output format (juju/cmd's Formatter).
type Formatter func(w io.Writer, value any) error

// FormatYAML is juju/cmd's FormatYaml: yaml.v2 (the library Juju uses)
// with trailing newlines collapsed to one; nil prints nothing.
func FormatYAML(w io.Writer, value any) error {
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

// FormatJSON is juju/cmd's FormatJson: json.Marshal and a newline; nil
// prints "null".
func FormatJSON(w io.Writer, value any) error {
	out, err := json.Marshal(value)
	if err != nil {
		return err
	}
	_, err = w.Write(append(out, '\n'))
	return err
}

// FormatSmart is juju/cmd's FormatSmart: strings as they are, []string
// one item a line, booleans as True/False (pyjuju's spelling), anything
// else as YAML; nothing for nil or "".
func FormatSmart(w io.Writer, value any) error {
	var s string
	switch v := value.(type) {
	case nil:
		return nil
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
		return FormatYAML(w, value)
	}
	if s == "" {
		return nil
	}
	_, err := io.WriteString(w, s+"\n")
	return err
}

// Output is juju/cmd's Output: --format plus -o/--output. The zero value
// is ready for AddFlags.
type Output struct {
	format  formatValue
	outPath string
}

// AddFlags registers --format (def being the default, formatters the
// choices by name) and -o/--output on f.
func (o *Output) AddFlags(f *gnuflag.FlagSet, def string, formatters map[string]Formatter) {
	o.format = formatValue{name: def, formatters: formatters}
	f.Var(&o.format, "format", o.format.doc())
	f.StringVar(&o.outPath, "o", "", "Specify an output file")
	f.StringVar(&o.outPath, "output", "", "")
}

// Name is the chosen format's name.
func (o *Output) Name() string { return o.format.name }

// Formatter is the chosen format's formatter.
func (o *Output) Formatter() Formatter { return o.format.formatters[o.format.name] }

// Write is juju/cmd's Output.Write: value in the chosen format, to stdout
// or to the -o file.
func (o *Output) Write(stdout io.Writer, absPath func(string) string, value any) error {
	return o.WriteWith(stdout, absPath, o.Formatter(), value)
}

// WriteWith is juju/cmd's Output.WriteFormatter: value in a format of
// the caller's choosing, to stdout or to the -o file. absPath turns the
// -o name into the file to create (juju/cmd's Context.AbsPath); nil
// creates it as typed, relative to the working directory.
func (o *Output) WriteWith(stdout io.Writer, absPath func(string) string, format Formatter, value any) error {
	if o.outPath == "" {
		return format(stdout, value)
	}
	path := o.outPath
	if absPath != nil {
		path = absPath(path)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := format(f, value); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// formatValue is the --format flag.
type formatValue struct {
	name       string
	formatters map[string]Formatter
}

func (v *formatValue) Set(s string) error {
	if v.formatters[s] == nil {
		return fmt.Errorf("unknown format %q", s)
	}
	v.name = s
	return nil
}

func (v *formatValue) String() string { return v.name }

// doc is the flag's help: the choices, sorted.
func (v *formatValue) doc() string {
	names := make([]string, 0, len(v.formatters))
	for n := range v.formatters {
		names = append(names, n)
	}
	sort.Strings(names)
	return "Specify output format (" + strings.Join(names, "|") + ")"
}
