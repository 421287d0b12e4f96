package hooktool

import (
	"bytes"
	"context"
	"slices"
	"sync"
)

// call is one recorded hook-tool invocation.
type call struct {
	Tool  string
	Args  []string
	Stdin []byte
}

// fakeRunner records every call and answers with canned stdout (or err).
// onRun, when set, runs during the call, while temporary files the client
// made for the tool still exist.
type fakeRunner struct {
	stdout string
	err    error
	onRun  func(c call)

	mu    sync.Mutex
	calls []call
}

func (f *fakeRunner) Run(_ context.Context, tool string, args []string, stdin []byte) ([]byte, error) {
	c := call{Tool: tool, Args: slices.Clone(args), Stdin: bytes.Clone(stdin)}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	if f.onRun != nil {
		f.onRun(c)
	}
	if f.err != nil {
		return nil, f.err
	}
	return []byte(f.stdout), nil
}

func (f *fakeRunner) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}
