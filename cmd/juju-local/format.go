package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/juju/gnuflag"
	"gopkg.in/yaml.v2"
)

// formatter writes a value in one output format.
type formatter func(w io.Writer, value any) error

// formatYAML is juju/cmd's FormatYaml: yaml.v2 with trailing newlines
// collapsed to one; nil prints nothing.
func formatYAML(w io.Writer, value any) error {
	if value == nil {
		return nil
	}
	out, err := yaml.Marshal(value)
	if err != nil {
		return err
	}
	for len(out) > 1 && out[len(out)-1] == '\n' {
		out = out[:len(out)-1]
	}
	if len(out) == 0 {
		return nil
	}
	_, err = w.Write(append(out, '\n'))
	return err
}

// formatJSON is juju/cmd's FormatJson: json.Marshal and a newline.
func formatJSON(w io.Writer, value any) error {
	out, err := json.Marshal(value)
	if err != nil {
		return err
	}
	_, err = w.Write(append(out, '\n'))
	return err
}

// output is juju/cmd's Output: --format and -o/--output.
type output struct {
	name       string
	formatters map[string]formatter
	outPath    string
}

func (o *output) addFlags(f *gnuflag.FlagSet, def string, formatters map[string]formatter) {
	o.formatters = formatters
	o.name = def
	f.Var(formatValue{o}, "format", o.doc())
	f.StringVar(&o.outPath, "o", "", "Specify an output file")
	f.StringVar(&o.outPath, "output", "", "")
}

func (o *output) doc() string {
	names := make([]string, 0, len(o.formatters))
	for n := range o.formatters {
		names = append(names, n)
	}
	sort.Strings(names)
	return "Specify output format (" + strings.Join(names, "|") + ")"
}

// write formats value to stdout or the -o file.
func (o *output) write(a *app, value any) error {
	return o.writeWith(a, o.formatters[o.name], value)
}

// writeWith is juju/cmd's WriteFormatter: value in a format of the
// command's choosing, to stdout or the -o file.
func (o *output) writeWith(a *app, format formatter, value any) error {
	w := a.stdout
	if o.outPath != "" {
		f, err := os.Create(o.outPath)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	return format(w, value)
}

// formatSmart is juju/cmd's FormatSmart: strings as they are, booleans
// as True/False, lists one item a line, anything else as YAML; nothing
// for nil or "".
func formatSmart(w io.Writer, value any) error {
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
		return formatYAML(w, value)
	}
	if s == "" {
		return nil
	}
	_, err := io.WriteString(w, s+"\n")
	return err
}

type formatValue struct{ o *output }

func (v formatValue) Set(s string) error {
	if v.o.formatters[s] == nil {
		return fmt.Errorf("unknown format %q", s)
	}
	v.o.name = s
	return nil
}

func (v formatValue) String() string { return v.o.name }

// table lays out one section of tabular output as Juju's ansiterm
// TabWriter does (minwidth 0, tabwidth 1, padding 2, spaces): cells end
// with a tab and are padded to their column's width, the last cell of a
// row is written as it is. Columns marked right-aligned pad on the left.
type table struct {
	rows  [][]string // all cells but the last are tab-terminated
	right map[int]bool
}

func newTable(rightAligned ...int) *table {
	t := &table{right: map[int]bool{}}
	for _, c := range rightAligned {
		t.right[c] = true
	}
	return t
}

// row adds a row: cells are tab-terminated, last is the unterminated
// tail (often a message, often empty).
func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

// write renders the table. A right-aligned cell is pre-padded to the
// column's widest cell, which is what the ansiterm fork's per-column
// AlignRight produces.
func (t *table) write(w io.Writer) error {
	widths := map[int]int{}
	for _, r := range t.rows {
		for i := 0; i < len(r)-1; i++ {
			if t.right[i] {
				widths[i] = max(widths[i], len(r[i]))
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
	for _, r := range t.rows {
		var b strings.Builder
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
				break
			}
			if t.right[i] {
				c = strings.Repeat(" ", widths[i]-len(c)) + c
			}
			b.WriteString(c)
			b.WriteByte('\t')
		}
		b.WriteByte('\n')
		if _, err := io.WriteString(tw, b.String()); err != nil {
			return err
		}
	}
	return tw.Flush()
}
