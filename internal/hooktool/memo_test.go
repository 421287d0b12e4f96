package hooktool

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// countingRunner answers every tool with its name and counts the calls
// that reach it; fail makes the named tool fail.
type countingRunner struct {
	calls map[string]int
	fail  map[string]bool
}

func (r *countingRunner) Run(_ context.Context, tool string, args []string, _ []byte) ([]byte, error) {
	r.calls[tool+" "+strings.Join(args, " ")]++
	if r.fail[tool] {
		return nil, errors.New("tool failed")
	}
	return []byte(tool), nil
}

func TestMemoAnswersOnlyStableReadsFromMemory(t *testing.T) {
	t.Parallel()
	type call struct {
		tool string
		args []string
	}
	for _, tc := range []struct {
		name  string
		calls []call
		fail  map[string]bool
		want  map[string]int // calls that reached the runner
	}{
		{
			name:  "repeated reads run once",
			calls: []call{{"is-leader", nil}, {"is-leader", nil}, {"relation-ids", []string{"oauth"}}, {"relation-ids", []string{"oauth"}}},
			want:  map[string]int{"is-leader ": 1, "relation-ids oauth": 1},
		},
		{
			name:  "other arguments are other answers",
			calls: []call{{"relation-ids", []string{"oauth"}}, {"relation-ids", []string{"hydra"}}},
			want:  map[string]int{"relation-ids oauth": 1, "relation-ids hydra": 1},
		},
		{
			name:  "databags and writes always run",
			calls: []call{{"relation-get", []string{"-r", "1"}}, {"relation-get", []string{"-r", "1"}}, {"status-set", []string{"active"}}, {"status-set", []string{"active"}}},
			want:  map[string]int{"relation-get -r 1": 2, "status-set active": 2},
		},
		{
			name:  "open-port forgets the opened ports",
			calls: []call{{"opened-ports", nil}, {"open-port", []string{"4444/tcp"}}, {"opened-ports", nil}, {"opened-ports", nil}},
			want:  map[string]int{"opened-ports ": 2, "open-port 4444/tcp": 1},
		},
		{
			name:  "failures are asked again",
			calls: []call{{"config-get", nil}, {"config-get", nil}},
			fail:  map[string]bool{"config-get": true},
			want:  map[string]int{"config-get ": 2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &countingRunner{calls: map[string]int{}, fail: tc.fail}
			m := Memo(r)
			for _, c := range tc.calls {
				out, err := m.Run(t.Context(), c.tool, c.args, nil)
				if tc.fail[c.tool] {
					if err == nil {
						t.Errorf("%s: no error", c.tool)
					}
					continue
				}
				if err != nil || string(out) != c.tool {
					t.Errorf("%s: %q, %v", c.tool, out, err)
				}
			}
			if len(r.calls) != len(tc.want) {
				t.Errorf("calls %v, want %v", r.calls, tc.want)
			}
			for k, n := range tc.want {
				if r.calls[k] != n {
					t.Errorf("%q ran %d times, want %d (all: %v)", k, r.calls[k], n, r.calls)
				}
			}
		})
	}
}
