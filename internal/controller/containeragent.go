package controller

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/identity-platform-go/charms/internal/launch"
	"github.com/identity-platform-go/charms/internal/pod"
)

// containerAgentName is the tool binary's name when it serves as the
// unit's containeragent (see internal/launch), as Juju's charm container
// runs /charm/bin/containeragent.
const containerAgentName = "containeragent"

// containerAgent runs the unit's containeragent in its charm container,
// which starts each hook's dispatch there: cheaper than entering the
// pod's namespaces for every hook. It is started with the pod and again
// when a hook finds it gone (a restarted container); until it answers,
// hooks go through nsenter.
type containerAgent struct {
	ctx        context.Context
	cancel     context.CancelFunc
	pod        *pod.Pod
	args       []string // in the charm container
	hostSocket string
	log        func(string)

	mu      sync.Mutex
	running bool
	wg      sync.WaitGroup
}

// newContainerAgent prepares the containeragent of the pod, whose socket
// is in the spec's RunDir.
func newContainerAgent(ctx context.Context, p *pod.Pod, spec pod.PodSpec, log func(string)) *containerAgent {
	ctx, cancel := context.WithCancel(ctx)
	return &containerAgent{
		ctx: ctx, cancel: cancel, pod: p, log: log,
		args:       []string{spec.ToolsPath() + "/" + containerAgentName, spec.RunPath() + "/" + launch.SocketName},
		hostSocket: filepath.Join(spec.RunDir, launch.SocketName),
	}
}

// start starts the containeragent unless it runs.
func (c *containerAgent) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running || c.ctx.Err() != nil {
		return
	}
	c.running = true
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		out := &lineLogger{emit: func(line string) { c.log("containeragent: " + line) }}
		code, err := c.pod.Exec(c.ctx, pod.CharmContainer, pod.ExecSpec{Args: c.args, Stdout: out, Stderr: out})
		out.flush()
		c.mu.Lock()
		c.running = false
		c.mu.Unlock()
		if c.ctx.Err() == nil {
			c.logf("containeragent exited (status %d, %v)", code, err)
		}
	}()
}

// awaitSocket waits, at most d, for the containeragent's socket: the
// first hooks of a new pod then go through it too.
func (c *containerAgent) awaitSocket(d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && c.ctx.Err() == nil {
		if _, err := os.Stat(c.hostSocket); err == nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// run runs cmd through the containeragent; an error wrapping
// launch.ErrUnavailable means nothing ran.
func (c *containerAgent) run(ctx context.Context, cmd launch.Command) (int, error) {
	code, err := launch.Run(ctx, c.hostSocket, cmd)
	if err != nil && !errors.Is(err, launch.ErrUnavailable) && ctx.Err() == nil {
		err = fmt.Errorf("dispatch through the containeragent: %w", err)
	}
	return code, err
}

func (c *containerAgent) logf(format string, args ...any) { c.log(fmt.Sprintf(format, args...)) }

// stop ends the containeragent and waits for it.
func (c *containerAgent) stop() {
	c.cancel()
	c.wg.Wait()
}
