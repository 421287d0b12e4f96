// Package debuglog is a model's log, as `juju debug-log` shows it: every
// unit agent's and charm's log lines, kept in one append-only file so they
// survive a controller restart, with followers woken on every new line.
//
// Lines print the way Juju 3.6 prints them:
//
//	unit-hydra-0: 10:46:04 INFO juju.worker.uniter.operation ran "install" hook (via hook dispatching script: dispatch)
//	unit-hydra-0: 10:46:05 INFO unit.hydra/0.juju-log Hydra is ready
package debuglog

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Entry is one log line.
type Entry struct {
	Time time.Time `json:"t"`
	// Entity is the agent tag: "unit-hydra-0" (or "controller-0",
	// "model-<uuid>").
	Entity  string `json:"e"`
	Level   string `json:"l"` // TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL
	Module  string `json:"m"` // juju.worker.uniter.operation, unit.hydra/0.juju-log, …
	Message string `json:"msg"`
}

// String formats e as `juju debug-log` does, in the local time zone.
func (e Entry) String() string {
	return fmt.Sprintf("%s: %s %s %s %s", e.Entity, e.Time.Local().Format("15:04:05"), e.Level, e.Module, e.Message)
}

// UnitTag is Juju's tag for a unit name ("hydra/0" → "unit-hydra-0").
func UnitTag(unit string) string { return "unit-" + strings.Replace(unit, "/", "-", 1) }

// Log is one model's log. It is safe for concurrent use.
type Log struct {
	path string

	mu      sync.Mutex
	f       *os.File
	entries []Entry // everything, in order (a model's log is small here)
	wake    chan struct{}
	closed  bool
}

// Open opens (creating) the log file at path and loads what it holds.
func Open(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening debug log: %w", err)
	}
	l := &Log{path: path, f: f, wake: make(chan struct{})}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var e Entry
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			l.entries = append(l.entries, e)
		}
		// A torn last line from a crash is skipped.
	}
	if err := sc.Err(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("reading debug log: %w", err)
	}
	return l, nil
}

// Append adds e (stamped now when its Time is zero) and wakes followers.
func (l *Log) Append(e Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("debug log closed")
	}
	if _, err := l.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("writing debug log: %w", err)
	}
	l.entries = append(l.entries, e)
	close(l.wake)
	l.wake = make(chan struct{})
	return nil
}

// Logf appends a formatted line.
func (l *Log) Logf(entity, level, module, format string, args ...any) error {
	return l.Append(Entry{Entity: entity, Level: level, Module: module, Message: fmt.Sprintf(format, args...)})
}

// Filter selects lines as debug-log's flags do.
type Filter struct {
	// Replay starts from the first line; otherwise from the last Lines.
	Replay bool
	Lines  int // default 10, as Juju
	// Include keeps only these entities: "unit-hydra-0", "hydra/0", or an
	// application name meaning all its units.
	Include []string
	// Level is the lowest level shown (default: all).
	Level string
	// Follow keeps waiting for new lines until ctx is done.
	Follow bool
}

var levels = map[string]int{"TRACE": 0, "DEBUG": 1, "INFO": 2, "WARNING": 3, "ERROR": 4, "CRITICAL": 5}

func (f Filter) keep(e Entry) bool {
	if f.Level != "" && levels[e.Level] < levels[strings.ToUpper(f.Level)] {
		return false
	}
	if len(f.Include) == 0 {
		return true
	}
	for _, inc := range f.Include {
		switch {
		case inc == e.Entity,
			strings.Contains(inc, "/") && UnitTag(inc) == e.Entity,
			!strings.Contains(inc, "/") && !strings.HasPrefix(inc, "unit-") && strings.HasPrefix(e.Entity, "unit-"+inc+"-") && isUnitNumber(strings.TrimPrefix(e.Entity, "unit-"+inc+"-")):
			return true
		}
	}
	return false
}

func isUnitNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Read calls fn for each selected line, then, with Follow, for each new
// one until ctx is done. It returns fn's first error, or nil.
func (l *Log) Read(ctx context.Context, f Filter, fn func(Entry) error) error {
	l.mu.Lock()
	var start int
	if !f.Replay {
		n := f.Lines
		if n <= 0 {
			n = 10
		}
		// The last n lines that pass the filter.
		start = len(l.entries)
		for count := 0; start > 0 && count < n; {
			start--
			if f.keep(l.entries[start]) {
				count++
			}
		}
	}
	for {
		batch := l.entries[start:len(l.entries):len(l.entries)]
		start = len(l.entries)
		wake := l.wake
		closed := l.closed
		l.mu.Unlock()
		for _, e := range batch {
			if f.keep(e) {
				if err := fn(e); err != nil {
					return err
				}
			}
		}
		if !f.Follow || closed {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		}
		l.mu.Lock()
	}
}

// Close closes the file and ends every follower.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	close(l.wake)
	return l.f.Close()
}

// WriteTo writes the selected lines, formatted, to w (no following).
func (l *Log) WriteTo(w io.Writer, f Filter) error {
	f.Follow = false
	return l.Read(context.Background(), f, func(e Entry) error {
		_, err := fmt.Fprintln(w, e.String())
		return err
	})
}
