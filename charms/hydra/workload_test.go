package main

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canonical/pebble/client"

	"github.com/identity-platform-go/charms/internal/workload"
)

// execRecorder is a Pebble that records what it is asked to run.
type execRecorder struct {
	workload.API // unused methods panic
	got          *client.ExecOptions
	exitCode     int
	stdout       string
}

func (r *execRecorder) Exec(opts *client.ExecOptions) (workload.Process, error) {
	r.got = opts
	if opts.Stdout != nil {
		_, _ = io.WriteString(opts.Stdout, r.stdout)
	}
	return exitedProcess(r.exitCode), nil
}

type exitedProcess int

func (e exitedProcess) Wait() (int, error) { return int(e), nil }

func TestMigrateKeepsTheDSNOutOfArgv(t *testing.T) {
	t.Parallel()
	rec := &execRecorder{}
	ctr := workload.New(containerName, rec, nil)
	if err := migrate(t.Context(), ctr, testDSN, 42*time.Second); err != nil {
		t.Fatal(err)
	}
	if want := []string{"hydra", "migrate", "sql", "-e", "--yes"}; !slices.Equal(rec.got.Command, want) {
		t.Errorf("argv %q, want %q", rec.got.Command, want)
	}
	if rec.got.Environment["DSN"] != testDSN {
		t.Errorf("environment %v lacks the DSN", rec.got.Environment)
	}
	if rec.got.Timeout != 42*time.Second {
		t.Errorf("timeout %v", rec.got.Timeout)
	}
	for _, a := range rec.got.Command {
		if strings.Contains(a, "postgres") || strings.Contains(a, "w0rd") {
			t.Errorf("argv carries the DSN: %q", rec.got.Command)
		}
	}
}

func TestWorkloadVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stdout  string
		code    int
		want    string
		wantErr string
	}{
		{versionOut, 0, "v2.3.0", ""},
		{"Version:\tv26.2.0\n", 0, "v26.2.0", ""},
		{"Version:    master\n", 0, "", "no version in its output"},
		{"", 1, "", "exit status 1"},
	} {
		got, err := workloadVersion(t.Context(), workload.New(containerName, &execRecorder{stdout: tc.stdout, exitCode: tc.code}, nil))
		if got != tc.want || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%q: got %q, %v; want %q, %q", tc.stdout, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	out := "dsn=" + testDSN + " user=relation_id_2 password=" + dbPassword + " esc=pg-p%40ss%2Fw0rd"
	got := redactDSN(out, testDSN)
	for _, s := range []string{dbPassword, "pg-p%40ss%2Fw0rd", testDSN} {
		if strings.Contains(got, s) {
			t.Errorf("%q survives in %q", s, got)
		}
	}
	if !strings.Contains(got, "user=relation_id_2") {
		t.Errorf("redacted too much: %q", got)
	}
}
