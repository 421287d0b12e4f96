package databagtest

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/identity-platform-go/charms/internal/interfaces/databag"
)

func TestBagAndSeed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		bag  map[string]string
		seed string
	}{
		{"empty", map[string]string{}, ""},
		{"sorted", map[string]string{"b": "2", "a": "1"}, "a\x001\x00b\x002\x00"},
		{"empty value", map[string]string{"a": ""}, "a\x00\x00"},
	} {
		if got := Seed(tc.bag); got != tc.seed {
			t.Errorf("%s: Seed = %q, want %q", tc.name, got, tc.seed)
		}
		if got := Bag(tc.seed); !maps.Equal(got, tc.bag) {
			t.Errorf("%s: Bag(Seed) = %v, want %v", tc.name, got, tc.bag)
		}
	}
	// Arbitrary input: an odd last item is dropped, the last value wins.
	if got, want := Bag("k\x00v1\x00k\x00v2\x00odd"), map[string]string{"k": "v2"}; !maps.Equal(got, want) {
		t.Errorf("Bag = %v, want %v", got, want)
	}
}

// fatalRecorder records Fatalf instead of failing the test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic(r)
}

func TestCheckKeyError(t *testing.T) {
	t.Parallel()
	vocab := []string{"url", "port"}
	for _, tc := range []struct {
		name  string
		err   error
		fatal string // "" when the check passes
	}{
		{"key of the vocabulary", &databag.KeyError{Key: "port", Err: databag.ErrMissing}, ""},
		{"wrapped", fmt.Errorf("decoding: %w", databag.Errorf("url", "bad")), ""},
		{"other key", databag.Errorf("host", "bad"), `KeyError names "host"`},
		{"not a KeyError", errors.New("boom"), "error is not a *databag.KeyError"},
		{"nil", nil, "error is not a *databag.KeyError"},
	} {
		rec := &fatalRecorder{TB: t}
		var ke *databag.KeyError
		func() {
			defer func() {
				if r := recover(); r != nil && r != rec {
					panic(r)
				}
			}()
			ke = CheckKeyError(rec, tc.err, vocab)
		}()
		switch {
		case tc.fatal == "" && (rec.msg != "" || ke == nil):
			t.Errorf("%s: CheckKeyError failed: %s", tc.name, rec.msg)
		case tc.fatal != "" && !strings.Contains(rec.msg, tc.fatal):
			t.Errorf("%s: fatal %q, want it to contain %q", tc.name, rec.msg, tc.fatal)
		}
	}
}
