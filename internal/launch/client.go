package launch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Command is a process to run through the server.
type Command struct {
	// Args is the argv; Args[0] is looked up on the PATH of the
	// environment.
	Args []string
	// Env is set over the server's environment. Values may be secret:
	// they are never in errors.
	Env map[string]string
	// Dir is the working directory; default the server's.
	Dir string
	// Stdin, Stdout and Stderr default to the null device.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// ErrUnavailable is why Run could not start the process: no server
// answers the socket, or it refused the request. Nothing was run; the
// caller may run the process another way.
var ErrUnavailable = errors.New("containeragent unavailable")

// WaitDelay bounds the wait for output once the process has exited, in
// case it left a daemon holding its stdout or stderr.
const WaitDelay = 2 * time.Second

// Run runs cmd through the server at socket and returns its exit status
// (128+n when killed by signal n; 127 or 126 when it cannot be executed).
// When ctx ends first, the process group is killed and the error wraps
// ctx.Err(). An error wrapping ErrUnavailable means nothing was started.
func Run(ctx context.Context, socket string, cmd Command) (int, error) {
	if len(cmd.Args) == 0 {
		return -1, errors.New("containeragent: no command")
	}
	if err := ctx.Err(); err != nil {
		return -1, err
	}
	data, err := json.Marshal(request{Args: cmd.Args, Env: cmd.Env, Dir: cmd.Dir})
	if err != nil {
		return -1, err
	}
	if len(data) > maxMessage {
		return -1, fmt.Errorf("containeragent: request of %d bytes is over %d", len(data), maxMessage)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, Network, socket)
	if err != nil {
		return -1, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	conn := c.(*net.UnixConn)
	defer conn.Close()

	std, err := newStdio(cmd)
	if err != nil {
		return -1, err
	}
	defer std.close()
	if err := send(conn, data, std.remote...); err != nil {
		return -1, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	// The server has its own copies; ours would keep the pipes open.
	std.closeRemote()
	std.start()

	replies := make(chan replyOrErr, 2)
	go readReplies(conn, replies)
	started := false
	for {
		select {
		case r := <-replies:
			switch {
			case r.err != nil && !started:
				return -1, fmt.Errorf("%w: %v", ErrUnavailable, r.err)
			case r.err != nil:
				// The server went away with the process: its outcome
				// is unknown.
				return -1, fmt.Errorf("containeragent: %w", r.err)
			case r.Error != "":
				return -1, fmt.Errorf("%w: %s", ErrUnavailable, r.Error)
			case r.Exited:
				std.wait(WaitDelay)
				return r.Code, nil
			case r.Started:
				started = true
			}
		case <-ctx.Done():
			// Kill, then report the cancellation once the server has
			// reaped the process (or has gone).
			_ = send(conn, []byte(cancelMessage))
			timer := time.NewTimer(WaitDelay)
			defer timer.Stop()
			for {
				select {
				case r := <-replies:
					if r.err == nil && !r.Exited {
						continue
					}
				case <-timer.C:
				}
				return -1, ctx.Err()
			}
		}
	}
}

type replyOrErr struct {
	reply
	err error
}

func readReplies(conn *net.UnixConn, out chan<- replyOrErr) {
	buf := make([]byte, 4096)
	for {
		msg, files, err := receive(conn, buf)
		closeAll(files)
		if err != nil {
			out <- replyOrErr{err: err}
			return
		}
		var r reply
		if err := json.Unmarshal(msg, &r); err != nil {
			out <- replyOrErr{err: fmt.Errorf("malformed reply: %w", err)}
			return
		}
		out <- replyOrErr{reply: r}
		if r.Exited || r.Error != "" {
			return
		}
	}
}

// stdio is the process's three descriptors: remote are the ends sent to
// the server, local the ends this side copies through.
type stdio struct {
	remote []*os.File
	local  []*os.File
	// feed copies stdin; outputs copy stdout and stderr.
	feed    func()
	outputs []func()
	wg      sync.WaitGroup
}

func newStdio(cmd Command) (*stdio, error) {
	s := &stdio{}
	fail := func(err error) (*stdio, error) {
		s.closeRemote()
		s.close()
		return nil, fmt.Errorf("containeragent: %w", err)
	}
	if cmd.Stdin == nil {
		f, err := os.Open(os.DevNull)
		if err != nil {
			return fail(err)
		}
		s.remote = append(s.remote, f)
	} else {
		pr, pw, err := os.Pipe()
		if err != nil {
			return fail(err)
		}
		s.remote = append(s.remote, pr)
		s.local = append(s.local, pw)
		s.feed = func() {
			_, _ = io.Copy(pw, cmd.Stdin)
			_ = pw.Close()
		}
	}
	for _, w := range []io.Writer{cmd.Stdout, cmd.Stderr} {
		if w == nil {
			f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
			if err != nil {
				return fail(err)
			}
			s.remote = append(s.remote, f)
			continue
		}
		pr, pw, err := os.Pipe()
		if err != nil {
			return fail(err)
		}
		s.remote = append(s.remote, pw)
		s.local = append(s.local, pr)
		s.outputs = append(s.outputs, func() { _, _ = io.Copy(w, pr) })
	}
	return s, nil
}

func (s *stdio) closeRemote() {
	closeAll(s.remote)
	s.remote = nil
}

// start begins copying. Stdin's copy is not waited for: the process may
// exit without reading it all.
func (s *stdio) start() {
	if s.feed != nil {
		go s.feed()
	}
	for _, c := range s.outputs {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			c()
		}()
	}
}

// wait waits for the outputs to reach EOF, at most d.
func (s *stdio) wait(d time.Duration) {
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
	}
}

// close closes this side's ends, which ends the copies still running.
func (s *stdio) close() { closeAll(s.local) }
