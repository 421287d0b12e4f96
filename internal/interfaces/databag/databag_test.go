package databag

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"unicode/utf8"
)

func TestPyJSON(t *testing.T) {
	t.Parallel()
	type url struct {
		URL string `json:"url"`
	}
	tests := []struct {
		name string
		in   any
		want string
	}{
		// Byte strings below are what json.dumps prints (checked with CPython 3.11).
		{"string", "iam", `"iam"`},
		{"int", 4444, `4444`},
		{"bool", true, `true`},
		{"list", []string{"username", "password"}, `["username", "password"]`},
		{"object", url{"http://10.0.0.1/iam-hydra"}, `{"url": "http://10.0.0.1/iam-hydra"}`},
		{"nested", map[string]any{"a": []int{1, 2}, "b": map[string]string{"c": "d"}}, `{"a": [1, 2], "b": {"c": "d"}}`},
		{"html left alone", "<a&b>", `"<a&b>"`},
		{"non-ascii", "café ☃", `"caf\u00e9 \u2603"`},
		{"astral", "😀", `"\ud83d\ude00"`},
		{"controls", "a\"b\\c\n\t\b\f\x01\x7f", `"a\"b\\c\n\t\b\f\u0001\u007f"`},
		{"separators inside strings", "a, b: c", `"a, b: c"`},
		{"empty list", []string{}, `[]`},
		{"null", nil, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PyJSON(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("PyJSON = %s, want %s", got, tt.want)
			}
			var back any
			if err := json.Unmarshal([]byte(got), &back); err != nil {
				t.Errorf("not JSON: %v", err)
			}
		})
	}
}

func TestBool(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in      string
		want    bool
		wantErr bool
	}{{"True", true, false}, {"true", true, false}, {"False", false, false}, {"false", false, false}, {"yes", false, true}, {"", false, true}} {
		got, err := ParseBool(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseBool(%q) = %v, %v", tt.in, got, err)
		}
	}
	if Bool(true) != "True" || Bool(false) != "False" {
		t.Error("Bool does not write Python booleans")
	}
	b, err := GetBool(map[string]string{"tls": "maybe"}, "tls", false)
	var ke *KeyError
	if !errors.As(err, &ke) || ke.Key != "tls" || b {
		t.Errorf("GetBool = %v, %v; want a KeyError naming tls", b, err)
	}
	if b, err := GetBool(nil, "tls", true); err != nil || !b {
		t.Errorf("GetBool default = %v, %v", b, err)
	}
}

func TestGetJSON(t *testing.T) {
	t.Parallel()
	var port int
	err := GetJSON(map[string]string{"port": `"80"`}, "port", &port)
	if err == nil || err.Error() != `key "port": invalid JSON: a JSON string where an integer was expected` {
		t.Errorf("err = %v", err)
	}
	err = GetJSON(map[string]string{}, "port", &port)
	if !errors.Is(err, ErrMissing) || err.Error() != `key "port": missing` {
		t.Errorf("err = %v", err)
	}
	if err := GetJSON(map[string]string{"port": "8080"}, "port", &port); err != nil || port != 8080 {
		t.Errorf("port = %d, %v", port, err)
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{`short "one"`, `"short \"one\""`},
		{"0123456789012345678901234567890123456789", `"0123456789012345678901234567890123456789"`},
		{"0123456789012345678901234567890123456789é-tail", `"0123456789012345678901234567890123456789"…`},
		// A rune across byte 40 is cut whole.
		{"012345678901234567890123456789012345678é-tail", `"012345678901234567890123456789012345678"…`},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestMissingKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		key  string
		ok   bool
	}{
		{"nil", nil, "", false},
		{"other error", errors.New("boom"), "", false},
		{"missing", &KeyError{Key: "port", Err: ErrMissing}, "port", true},
		{"wrapped missing", fmt.Errorf("reading: %w", &KeyError{Key: "port", Err: ErrMissing}), "port", true},
		{"invalid value", Errorf("port", "not a number"), "", false},
		// The outermost key is the one named.
		{"nested", &KeyError{Key: "outer", Err: &KeyError{Key: "inner", Err: ErrMissing}}, "outer", true},
	} {
		key, ok := MissingKey(tc.err)
		if key != tc.key || ok != tc.ok {
			t.Errorf("%s: MissingKey = %q, %v; want %q, %v", tc.name, key, ok, tc.key, tc.ok)
		}
	}
}

func FuzzPyJSON(f *testing.F) {
	f.Add("café", 3)
	f.Add("\x00\x7f😀", -1)
	f.Fuzz(func(t *testing.T, s string, n int) {
		out, err := PyJSON(map[string]any{"s": s, "n": n, "l": []string{s}})
		if err != nil {
			t.Fatal(err)
		}
		var back struct {
			S string   `json:"s"`
			N int      `json:"n"`
			L []string `json:"l"`
		}
		if err := json.Unmarshal([]byte(out), &back); err != nil {
			t.Fatalf("PyJSON output is not JSON: %v: %s", err, out)
		}
		for _, c := range []byte(out) {
			if c >= 0x7f {
				t.Fatalf("non-ASCII byte in %q", out)
			}
		}
		if back.N != n {
			t.Fatalf("round trip of %d: %s", n, out)
		}
		// Invalid UTF-8 becomes U+FFFD, as it cannot be a Python str.
		if utf8.ValidString(s) && (back.S != s || back.L[0] != s) {
			t.Fatalf("round trip: %q -> %s -> %q", s, out, back.S)
		}
	})
}
