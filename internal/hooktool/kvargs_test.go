package hooktool

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	yamlv2 "gopkg.in/yaml.v2"
)

// parseKeyValues mirrors github.com/juju/utils/v3/keyvalues.Parse(args,
// true), which relation-set and state-set use for k=v arguments.
func parseKeyValues(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range args {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("expected key=value, got %q", kv)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" {
			return nil, fmt.Errorf("empty key")
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("key %q specified more than once", k)
		}
		out[k] = v
	}
	return out, nil
}

// readSettingsFile decodes a --file document the way jujuc's readSettings
// does (yaml.v2 into map[string]string).
func readSettingsFile(doc []byte) (map[string]string, error) {
	kvs := map[string]string{}
	if err := yamlv2.Unmarshal(doc, kvs); err != nil {
		return nil, err
	}
	return kvs, nil
}

const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

func TestSettingsTransport(t *testing.T) {
	t.Parallel()
	tricky := map[string]string{
		"yes": "yes", "on": "On", "null": "null", "tilde": "~", "int": "0123", "hex": "0x1F",
		"sexagesimal": "1:20", "float": "1e3", "date": "2001-12-14", "dash": "- a", "colon": "a: b",
		"hash": "#x", "quote": `"'`, "unicode": "héllo ✓", "binary": "\xff\xfe", "tab": "a\tb",
		"multi": "line 1  \n  line 2\n\n", "empty": "", "bracket": "[1, 2]", "brace": "{a: 1}",
		"bool": "true", "pem": pem, "star": "*anchor", "amp": "&a", "bang": "!tag", "pct": "%x",
	}
	tests := []struct {
		name     string
		data     map[string]string
		wantFile bool
	}{
		{name: "small plain values go in argv", data: map[string]string{"a": "1", "url": "https://x/y?z=1", "gone": ""}},
		{name: "value over the limit", data: map[string]string{"a": "1", "blob": strings.Repeat("y", MaxArgBytes+1)}, wantFile: true},
		{name: "total over the limit", data: map[string]string{
			"a": strings.Repeat("a", 60<<10), "b": strings.Repeat("b", 60<<10),
		}, wantFile: true},
		{name: "trailing newline would be trimmed", data: map[string]string{"ca": pem}, wantFile: true},
		{name: "leading space would be trimmed", data: map[string]string{"k": " v"}, wantFile: true},
		{name: "key with =", data: map[string]string{"a=b": "c"}, wantFile: true},
		{name: "NUL byte", data: map[string]string{"k": "a\x00b"}, wantFile: true},
		{name: "YAML-ambiguous strings round-trip", data: tricky, wantFile: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, tool := range []string{"relation-set", "state-set"} {
				f := &fakeRunner{}
				cl := New(f)
				var err error
				var prefix []string
				if tool == "relation-set" {
					err = cl.RelationSet(context.Background(), 9, true, tc.data)
					prefix = []string{"-r", "9", "--app"}
				} else {
					err = cl.StateSet(context.Background(), tc.data)
				}
				if err != nil {
					t.Fatalf("%s: %v", tool, err)
				}
				got := f.recorded()[0]
				var decoded map[string]string
				if tc.wantFile {
					if want := append(prefix, "--file", "-"); !slices.Equal(got.Args, want) {
						t.Fatalf("%s argv = %q, want %q", tool, got.Args, want)
					}
					if decoded, err = readSettingsFile(got.Stdin); err != nil {
						t.Fatalf("%s: YAML does not decode: %v\n%s", tool, err, got.Stdin)
					}
				} else {
					if got.Stdin != nil {
						t.Fatalf("%s: unexpected stdin", tool)
					}
					if !slices.Equal(got.Args[:len(prefix)+1], append(prefix, "--")) {
						t.Fatalf("%s argv = %q", tool, got.Args)
					}
					kv := got.Args[len(prefix)+1:]
					if !slices.IsSorted(kv) {
						t.Errorf("%s: k=v args not sorted: %q", tool, kv)
					}
					if decoded, err = parseKeyValues(kv); err != nil {
						t.Fatal(err)
					}
				}
				if !maps.Equal(decoded, tc.data) {
					t.Errorf("%s: round trip = %q, want %q", tool, decoded, tc.data)
				}
			}
		})
	}
}

func TestYAMLFileIsDeterministic(t *testing.T) {
	t.Parallel()
	data := map[string]string{"b": "2", "a": "1\n", "c": "3"}
	var first []byte
	for i := 0; i < 20; i++ {
		_, doc, err := kvArgs("relation-set", data)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = doc
		} else if string(doc) != string(first) {
			t.Fatalf("YAML differs between runs:\n%s\n%s", first, doc)
		}
	}
	if !strings.HasPrefix(string(first), `"a": `) {
		t.Errorf("keys not sorted:\n%s", first)
	}
}
