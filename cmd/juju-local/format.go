package main

import (
	"io"
	"strings"
	"text/tabwriter"

	"github.com/identity-platform-go/charms/internal/jujucmd"
)

// output is juju/cmd's Output (--format, -o/--output) writing to the
// command's stdout, an -o file being relative to the working directory.
type output struct{ jujucmd.Output }

// write formats value to stdout or the -o file.
func (o *output) write(a *app, value any) error {
	return o.Write(a.stdout, nil, value)
}

// writeWith is juju/cmd's WriteFormatter: value in a format of the
// command's choosing, to stdout or the -o file.
func (o *output) writeWith(a *app, format jujucmd.Formatter, value any) error {
	return o.WriteWith(a.stdout, nil, format, value)
}

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
