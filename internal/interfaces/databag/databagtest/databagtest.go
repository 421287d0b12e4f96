// Package databagtest holds the test helpers every relation-interface
// package's fuzz tests share: a databag encoded as one fuzz string, and
// the check that a decoder's error is a *databag.KeyError naming a key of
// the databag's vocabulary (the interface packages' error contract).
package databagtest

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

// Bag turns fuzz input into a databag: NUL-separated key, value pairs (an
// odd last item is dropped; a repeated key keeps its last value).
func Bag(s string) map[string]string {
	parts := strings.Split(s, "\x00")
	bag := make(map[string]string, len(parts)/2)
	for i := 0; i+1 < len(parts); i += 2 {
		bag[parts[i]] = parts[i+1]
	}
	return bag
}

// Seed is the fuzz input that Bag turns back into bag, keys sorted so
// that a seed corpus is the same on every run.
func Seed(bag map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(bag)) {
		b.WriteString(k + "\x00" + bag[k] + "\x00")
	}
	return b.String()
}

// CheckKeyError fails the test unless err is (or wraps) a
// *databag.KeyError naming a key of vocabulary, and returns it.
func CheckKeyError(t testing.TB, err error, vocabulary []string) *databag.KeyError {
	t.Helper()
	var ke *databag.KeyError
	if !errors.As(err, &ke) {
		t.Fatalf("error is not a *databag.KeyError: %v", err)
	}
	if !slices.Contains(vocabulary, ke.Key) {
		t.Fatalf("KeyError names %q, not a key of the databag's vocabulary: %v", ke.Key, err)
	}
	return ke
}
