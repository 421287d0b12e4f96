package hooktool

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// Memo returns a runner that runs hook tools with next and answers a
// repeated read-only call of the same dispatch from memory: the interface
// helpers each ask is-leader, relation-ids and opened-ports again (a
// steady update-status of hydra made 12 such repeats out of 44 calls).
// Only answers that cannot change within a hook are kept: Juju shows a
// hook a fixed view of the model's config, relations and network, and
// leadership lasts the hook's lease. Opened ports change only through
// this unit's own open-port and close-port, which forget them. Failures
// are not kept. Use one Memo per dispatch.
func Memo(next Runner) Runner {
	return &memoRunner{next: next, answers: map[string][]byte{}}
}

type memoRunner struct {
	next Runner

	mu      sync.Mutex
	answers map[string][]byte
}

// memoizable are the tools whose answers Memo keeps.
var memoizable = []string{"config-get", "is-leader", "relation-ids", "relation-list", "network-get", "opened-ports"}

// forgets maps a tool to the memoized tool whose answers it changes.
var forgets = map[string]string{"open-port": "opened-ports", "close-port": "opened-ports"}

// Run implements Runner.
func (m *memoRunner) Run(ctx context.Context, tool string, args []string, stdin []byte) ([]byte, error) {
	if stale, ok := forgets[tool]; ok {
		m.forget(stale)
	}
	if !slices.Contains(memoizable, tool) || stdin != nil {
		return m.next.Run(ctx, tool, args, stdin)
	}
	key := tool + "\x00" + strings.Join(args, "\x00")
	m.mu.Lock()
	out, ok := m.answers[key]
	m.mu.Unlock()
	if ok {
		return slices.Clone(out), nil
	}
	out, err := m.next.Run(ctx, tool, args, stdin)
	if err != nil {
		return out, err
	}
	m.mu.Lock()
	m.answers[key] = slices.Clone(out)
	m.mu.Unlock()
	return out, nil
}

func (m *memoRunner) forget(tool string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.answers {
		if strings.HasPrefix(k, tool+"\x00") {
			delete(m.answers, k)
		}
	}
}
