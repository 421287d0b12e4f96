package jujucmd

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/juju/gnuflag"
)

func TestFormatters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format Formatter
		value  any
		want   string
	}{
		{"yaml nil", FormatYAML, nil, ""},
		{"yaml map", FormatYAML, map[string]any{"b": 1, "a": "x"}, "a: x\nb: 1\n"},
		{"yaml empty string", FormatYAML, "", `""` + "\n"},
		{"yaml multi-line string keeps one newline", FormatYAML, "a\n\n", "|+\n  a\n"},
		{"json nil", FormatJSON, nil, "null\n"},
		{"json map", FormatJSON, map[string]any{"b": 1, "a": "x"}, `{"a":"x","b":1}` + "\n"},
		{"smart nil", FormatSmart, nil, ""},
		{"smart empty string", FormatSmart, "", ""},
		{"smart string", FormatSmart, "hello", "hello\n"},
		{"smart list", FormatSmart, []string{"a", "b"}, "a\nb\n"},
		{"smart true", FormatSmart, true, "True\n"},
		{"smart false", FormatSmart, false, "False\n"},
		{"smart map is yaml", FormatSmart, map[string]int{"k": 1}, "k: 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := tt.format(&b, tt.value); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

// parse sets up an Output with smart/yaml/json, default smart, and parses args.
func parse(t *testing.T, args ...string) (*Output, *gnuflag.FlagSet, error) {
	t.Helper()
	var o Output
	f := gnuflag.NewFlagSet("tool", gnuflag.ContinueOnError)
	f.SetOutput(io.Discard)
	o.AddFlags(f, "smart", map[string]Formatter{"smart": FormatSmart, "yaml": FormatYAML, "json": FormatJSON})
	return &o, f, f.Parse(true, args)
}

func TestOutputFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    string // the chosen format
		stdout  string // of Write(true)
		wantErr string
	}{
		{name: "default", want: "smart", stdout: "True\n"},
		{name: "format", args: []string{"--format", "json"}, want: "json", stdout: "true\n"},
		{name: "format=", args: []string{"--format=yaml"}, want: "yaml", stdout: "true\n"},
		{name: "unknown", args: []string{"--format", "xml"}, wantErr: `invalid value "xml" for flag --format: unknown format "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, _, err := parse(t, tt.args...)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.Name() != tt.want {
				t.Errorf("Name() = %q, want %q", o.Name(), tt.want)
			}
			var b bytes.Buffer
			if err := o.Write(&b, nil, true); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.stdout {
				t.Errorf("stdout %q, want %q", b.String(), tt.stdout)
			}
		})
	}
}

func TestOutputFlagDoc(t *testing.T) {
	t.Parallel()
	_, f, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Lookup("format").Usage, "Specify output format (json|smart|yaml)"; got != want {
		t.Errorf("--format usage %q, want %q", got, want)
	}
}

// TestOutputFile: -o and --output write the file absPath names, and
// nothing to stdout; WriteWith uses the given format, not the chosen one.
func TestOutputFile(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"-o", "--output"} {
		t.Run(flag, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			o, _, err := parse(t, "--format", "json", flag, "out.json")
			if err != nil {
				t.Fatal(err)
			}
			inDir := func(p string) string { return filepath.Join(dir, p) }
			var stdout bytes.Buffer
			if err := o.Write(&stdout, inDir, map[string]int{"a": 1}); err != nil {
				t.Fatal(err)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
			assertFile(t, inDir("out.json"), `{"a":1}`+"\n")
			if err := o.WriteWith(&stdout, inDir, FormatSmart, "plain"); err != nil {
				t.Fatal(err)
			}
			assertFile(t, inDir("out.json"), "plain\n")
		})
	}
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s: %q, want %q", path, got, want)
	}
}
