package controller_test

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// TestContainerAgent: a unit's hooks and actions are started by its
// containeragent in the charm container (as Juju's are); once it is
// gone, the next hook goes through nsenter instead and the agent is
// started again.
func TestContainerAgent(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	files := map[string]string{
		"metadata.yaml": "name: parent\nsummary: s\ndescription: d\ncontainers: {}\n",
		"actions.yaml":  "parent:\n  description: prints the dispatch's parent\nkill-agent:\n  description: kills the containeragent soon\nfds:\n  description: lists the dispatch's descriptors\n",
		"manifest.yaml": "bases:\n- name: ubuntu\n  channel: \"22.04\"\n  architectures: [amd64]\n",
		// Under nsenter the parent is outside the pod's PID namespace
		// ($PPID is 0).
		"dispatch": `#!/bin/sh
case "$JUJU_ACTION_NAME" in
parent) cat /proc/$PPID/comm 2>/dev/null || echo "no parent in the pod" ;;
fds) ls /proc/$$/fd ;;
kill-agent) (sleep 1; kill $PPID) >/dev/null 2>&1 & ;;
esac
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.c.Deploy(e.ctx, api.DeployRequest{Model: "test", Path: dir, ApplicationName: "parent", NumUnits: 1, NumUnitsSet: true}, nil); err != nil {
		t.Fatal(err)
	}
	e.settle()
	parent := func() string {
		t.Helper()
		res := e.run("parent/0", "parent")
		if res.Status != "completed" {
			t.Fatalf("parent: %+v", res)
		}
		out, _ := res.Output["stdout"].(string)
		return strings.TrimSpace(out)
	}
	if got := parent(); got != "containeragent" {
		t.Fatalf("the action's parent is %q, want containeragent", got)
	}
	// None of the namespace handles nsenter gave the containeragent (3
	// to 7): the shell has its stdio and its script (sh keeps it at 10).
	res := e.run("parent/0", "fds")
	fds, _ := res.Output["stdout"].(string)
	if res.Status != "completed" || slices.ContainsFunc(strings.Fields(fds), func(fd string) bool { return len(fd) == 1 && fd >= "3" && fd <= "7" }) {
		t.Errorf("the dispatch's descriptors: %q (%s)", fds, res.Status)
	}
	if res := e.run("parent/0", "kill-agent"); res.Status != "completed" {
		t.Fatalf("kill-agent: %+v", res)
	}
	// Wait until it is gone: its socket refuses connections.
	socket := filepath.Join(e.cfg.RunDir, "agents", "test", "unit-parent-0", "containeragent.socket")
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("unixpacket", socket)
		if err != nil {
			break
		}
		_ = c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the containeragent is still there")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := parent(); got != "no parent in the pod" {
		t.Errorf("with the containeragent gone the action's parent is %q, want none (nsenter)", got)
	}
	deadline = time.Now().Add(10 * time.Second)
	for parent() != "containeragent" {
		if time.Now().After(deadline) {
			e.dumpLog()
			t.Fatal("the containeragent was not started again")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
