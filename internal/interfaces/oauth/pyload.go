package oauth

import (
	"encoding/json"
	"strings"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// pyLoads is the library's per-value decoding: json.loads(v), or v itself
// when that fails. It returns the decoded value (string, bool, nil,
// json.Number, []any, map[string]any) and whether v was JSON.
//
// Python's json.loads also accepts NaN, Infinity and -Infinity as numbers,
// anywhere a value may stand; those are rewritten to a number before Go
// parses the text, so "NaN" or "[NaN]" count as JSON as they do in Python.
func pyLoads(raw string) (any, bool) {
	if v, ok := decodeJSON(raw); ok {
		return v, true
	}
	if !strings.Contains(raw, "NaN") && !strings.Contains(raw, "Infinity") {
		return raw, false
	}
	if v, ok := decodeJSON(finiteJSON(raw)); ok {
		return v, true
	}
	return raw, false
}

func decodeJSON(s string) (any, bool) {
	if !json.Valid([]byte(s)) {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(s))
	// Numbers stay numbers whatever their size: Python reads 1e400 as a
	// float, where Go's float64 decoding would fail and make it a string.
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// finiteJSON replaces NaN, Infinity and -Infinity outside strings with
// " 0". The leading space keeps a token boundary, so that text Python
// rejects ("1NaN", "-NaN", "NaN1") stays invalid.
func finiteJSON(s string) string {
	var b strings.Builder
	inString, escaped := false, false
	for i := 0; i < len(s); {
		c := s[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			b.WriteByte(c)
			i++
			continue
		}
		replaced := false
		for _, tok := range [...]string{"-Infinity", "Infinity", "NaN"} {
			if strings.HasPrefix(s[i:], tok) {
				b.WriteString(" 0")
				i += len(tok)
				replaced = true
				break
			}
		}
		if replaced {
			continue
		}
		if c == '"' {
			inString = true
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// jsonType names a decoded value's JSON type for an error message.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "another type"
}

// isPythonJSON reports whether json.loads accepts s, which means the
// library would not read s back as the plain string it is.
func isPythonJSON(s string) bool {
	_, ok := pyLoads(s)
	return ok
}

// getString reads an optional string-typed key the way the library's
// schema sees it. present is false when the key is absent or empty.
func getString(bag map[string]string, key string) (s string, present bool, err error) {
	raw, ok := bag[key]
	if !ok || raw == "" {
		return "", false, nil
	}
	v, _ := pyLoads(raw)
	s, ok = v.(string)
	if !ok {
		return "", true, databag.Errorf(key, "must be a string, but json.loads reads %s", jsonType(v))
	}
	return s, true, nil
}

// requireString reads a required string-typed key.
func requireString(bag map[string]string, key string) (string, error) {
	s, present, err := getString(bag, key)
	if err != nil {
		return "", err
	}
	if !present {
		return "", &databag.KeyError{Key: key, Err: databag.ErrMissing}
	}
	return s, nil
}

// getStringList reads an optional key holding a JSON list of strings.
func getStringList(bag map[string]string, key string) (list []string, present bool, err error) {
	raw, ok := bag[key]
	if !ok || raw == "" {
		return nil, false, nil
	}
	v, _ := pyLoads(raw)
	items, ok := v.([]any)
	if !ok {
		return nil, true, databag.Errorf(key, "must be a JSON list of strings, but json.loads reads %s", jsonType(v))
	}
	list = make([]string, len(items))
	for i, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, true, databag.Errorf(key, "item %d must be a string, not %s", i, jsonType(item))
		}
		list[i] = s
	}
	return list, true, nil
}

// requireStringList reads a required key holding a JSON list of strings.
func requireStringList(bag map[string]string, key string) ([]string, error) {
	list, present, err := getStringList(bag, key)
	if err != nil {
		return nil, err
	}
	if !present {
		return nil, &databag.KeyError{Key: key, Err: databag.ErrMissing}
	}
	return list, nil
}

// checkPlain refuses a value for a plain-string key that the library
// would decode as JSON instead of keeping it as written.
func checkPlain(key, value string) error {
	if isPythonJSON(value) {
		return databag.Errorf(key, "%s would be read as JSON, not as a string, by the Python library", databag.Quote(value))
	}
	return nil
}
