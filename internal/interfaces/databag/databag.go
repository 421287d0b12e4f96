// Package databag holds what every relation interface package shares: the
// error that names a databag key, and the value encodings Canonical's
// Python charm libraries write into Juju relation databags.
//
// Databags are map[string]string, as relation-get and relation-set see
// them. The Python libraries write values in three ways, and a Go charm
// must write them byte for byte alike so that either side can be swapped:
//
//   - plain strings (data_interfaces, oauth, hydra_endpoints, …);
//   - Python booleans "True"/"False" (oauth's jwt_access_token,
//     kratos_info's flags, data_interfaces' tls): see [Bool];
//   - json.dumps with its default separators ", " and ": " and
//     ensure_ascii (ingress v2's values, data_interfaces'
//     requested-secrets): see [PyJSON].
package databag

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// ErrMissing is the reason of a KeyError for a required key that is absent
// or empty.
var ErrMissing = errors.New("missing")

// KeyError is a databag value that failed to decode or validate. Decoders
// return it (possibly wrapped) so that a charm's status can name the key.
// Err never holds a secret's value.
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return fmt.Sprintf("key %q: %v", e.Key, e.Err) }
func (e *KeyError) Unwrap() error { return e.Err }

// Errorf returns a *KeyError for key with a formatted reason.
func Errorf(key, format string, args ...any) error {
	return &KeyError{Key: key, Err: fmt.Errorf(format, args...)}
}

// MissingKey reports the key of the first *KeyError in err's chain when
// its reason is ErrMissing: a required key the other side has not written
// yet, which a charm waits for rather than reports as an error.
func MissingKey(err error) (key string, ok bool) {
	var ke *KeyError
	if errors.As(err, &ke) && errors.Is(ke.Err, ErrMissing) {
		return ke.Key, true
	}
	return "", false
}

// Required returns bag[key], or a *KeyError wrapping ErrMissing when it is
// absent or empty (Juju does not distinguish the two: relation-set with an
// empty value deletes the key).
func Required(bag map[string]string, key string) (string, error) {
	v := bag[key]
	if v == "" {
		return "", &KeyError{Key: key, Err: ErrMissing}
	}
	return v, nil
}

// Bool is a boolean as Python's str(bool) writes it.
func Bool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// ParseBool reads a boolean written by Python's str(bool) ("True",
// "False") or by JSON ("true", "false"), which some library versions use.
func ParseBool(s string) (bool, error) {
	switch s {
	case "True", "true":
		return true, nil
	case "False", "false":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean (want True or False): %s", Quote(s))
}

// GetBool reads an optional boolean key; def applies when it is absent.
func GetBool(bag map[string]string, key string, def bool) (bool, error) {
	v, ok := bag[key]
	if !ok || v == "" {
		return def, nil
	}
	b, err := ParseBool(v)
	if err != nil {
		return false, &KeyError{Key: key, Err: err}
	}
	return b, nil
}

// GetJSON decodes bag[key] as JSON into v. A missing key is a *KeyError
// wrapping ErrMissing; callers with optional keys check presence first.
func GetJSON(bag map[string]string, key string, v any) error {
	raw, err := Required(bag, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return &KeyError{Key: key, Err: fmt.Errorf("invalid JSON: %w", jsonReason(err))}
	}
	return nil
}

// jsonReason strips encoding/json's Go type names, which mean nothing to an
// operator reading a status message.
func jsonReason(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("a JSON %s where %s was expected", te.Value, goKind(te.Type.Kind().String()))
	}
	return err
}

func goKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "a list"
	case "map", "struct":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	}
	return "another type"
}

// PyJSON encodes v the way Python's json.dumps does with its defaults:
// separators ", " and ": ", every non-ASCII character and DEL escaped as
// \uXXXX (lower-case hex, surrogate pairs above U+FFFF), and <, >, &
// left alone. Object keys keep Go's order: struct field order, or sorted
// map keys — give a struct when the Python side writes keys in another
// order. Floats are not supported byte-exactly (Python's repr differs).
func PyJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return pythonize(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// pythonize rewrites compact JSON into json.dumps' default layout.
func pythonize(compact []byte) string {
	out := make([]byte, 0, len(compact)+len(compact)/8)
	inString, escaped := false, false
	for i := 0; i < len(compact); {
		c := compact[i]
		if !inString {
			out = append(out, c)
			switch c {
			case '"':
				inString = true
			case ',', ':':
				out = append(out, ' ')
			}
			i++
			continue
		}
		switch {
		case escaped:
			escaped = false
			out = append(out, c)
			i++
		case c == '\\':
			escaped = true
			out = append(out, c)
			i++
		case c == '"':
			inString = false
			out = append(out, c)
			i++
		case c == 0x7f:
			out = append(out, `\u007f`...)
			i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(compact[i:])
			i += size
			if r > 0xffff {
				r -= 0x10000
				out = appendU(out, 0xd800+(r>>10))
				out = appendU(out, 0xdc00+(r&0x3ff))
			} else {
				out = appendU(out, r)
			}
		}
	}
	return string(out)
}

func appendU(out []byte, r rune) []byte {
	s := strconv.FormatInt(int64(r), 16)
	out = append(out, `\u`...)
	for n := len(s); n < 4; n++ {
		out = append(out, '0')
	}
	return append(out, s...)
}

// PutJSON sets bag[key] to PyJSON(v).
func PutJSON(bag map[string]string, key string, v any) error {
	s, err := PyJSON(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", key, err)
	}
	bag[key] = s
	return nil
}

// Quote quotes a databag value for an error message, cut to 40 bytes
// (on a rune boundary, marked with "…") so that a mistaken secret pasted
// into the wrong key does not end up whole in a status message.
func Quote(s string) string {
	const max = 40
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}
