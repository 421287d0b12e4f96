package debuglog

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFormatAndFilter(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 10, 46, 4, 0, time.Local)
	for _, e := range []Entry{
		{at, "unit-hydra-0", "INFO", "juju.worker.uniter.operation", `ran "install" hook (via hook dispatching script: dispatch)`},
		{at, "unit-hydra-10", "DEBUG", "unit.hydra/10.juju-log", "debug line"},
		{at, "unit-hydra-admin-0", "INFO", "unit.hydra-admin/0.juju-log", "other app"},
		{at, "unit-kratos-0", "ERROR", "unit.kratos/0.juju-log", "bad"},
	} {
		if err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		f    Filter
		want string
	}{
		{"all", Filter{Replay: true}, `unit-hydra-0: 10:46:04 INFO juju.worker.uniter.operation ran "install" hook (via hook dispatching script: dispatch)
unit-hydra-10: 10:46:04 DEBUG unit.hydra/10.juju-log debug line
unit-hydra-admin-0: 10:46:04 INFO unit.hydra-admin/0.juju-log other app
unit-kratos-0: 10:46:04 ERROR unit.kratos/0.juju-log bad
`},
		{"last lines", Filter{Lines: 1}, "unit-kratos-0: 10:46:04 ERROR unit.kratos/0.juju-log bad\n"},
		{"app", Filter{Replay: true, Include: []string{"hydra"}}, "unit-hydra-0: 10:46:04 INFO juju.worker.uniter.operation ran \"install\" hook (via hook dispatching script: dispatch)\nunit-hydra-10: 10:46:04 DEBUG unit.hydra/10.juju-log debug line\n"},
		{"unit name", Filter{Replay: true, Include: []string{"hydra/10"}}, "unit-hydra-10: 10:46:04 DEBUG unit.hydra/10.juju-log debug line\n"},
		{"tag", Filter{Replay: true, Include: []string{"unit-kratos-0"}}, "unit-kratos-0: 10:46:04 ERROR unit.kratos/0.juju-log bad\n"},
		{"level", Filter{Replay: true, Level: "warning"}, "unit-kratos-0: 10:46:04 ERROR unit.kratos/0.juju-log bad\n"},
		{"last lines of a filter", Filter{Lines: 1, Include: []string{"hydra"}}, "unit-hydra-10: 10:46:04 DEBUG unit.hydra/10.juju-log debug line\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := l.WriteTo(&b, tt.f); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("%s:\n%s\nwant\n%s", tt.name, b.String(), tt.want)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopened, the log still holds everything.
	l, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var b bytes.Buffer
	_ = l.WriteTo(&b, Filter{Replay: true})
	if strings.Count(b.String(), "\n") != 4 {
		t.Errorf("after reopen:\n%s", b.String())
	}
}

func TestFollow(t *testing.T) {
	t.Parallel()
	l, err := Open(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan string, 4)
	go func() {
		_ = l.Read(ctx, Filter{Follow: true, Include: []string{"a"}}, func(e Entry) error {
			got <- e.Message
			return nil
		})
		close(got)
	}()
	time.Sleep(20 * time.Millisecond)
	_ = l.Logf("unit-b-0", "INFO", "m", "skipped")
	_ = l.Logf("unit-a-0", "INFO", "m", "first %d", 1)
	if m := <-got; m != "first 1" {
		t.Errorf("followed %q", m)
	}
	_ = l.Close()
	if _, open := <-got; open {
		t.Error("follower still open after Close")
	}
}
