package launch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/identity-platform-go/charms/internal/peercred"
)

// Server starts processes for the clients of one socket. Its own
// environment (the charm container's, with the tools first on PATH) is
// the base of every process's; a request's variables override it.
type Server struct {
	ln      *net.UnixListener
	environ []string
	wg      sync.WaitGroup
}

// Listen creates the socket at path (replacing a stale one left by an
// earlier server), readable by this user only.
func Listen(path string, environ []string) (*Server, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("containeragent: %w", err)
	}
	ln, err := net.ListenUnix(Network, &net.UnixAddr{Name: path, Net: Network})
	if err != nil {
		return nil, fmt.Errorf("containeragent: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("containeragent: %w", err)
	}
	return &Server{ln: ln, environ: environ}, nil
}

// Serve answers connections until Close; it returns nil then.
func (s *Server) Serve() error {
	for {
		conn, err := s.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				s.wg.Wait()
				return nil
			}
			return fmt.Errorf("containeragent: %w", err)
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			// Nobody but root or this user may start processes as the
			// unit's agent.
			if ok, _ := peercred.Trusted(conn); ok {
				s.handle(conn)
			}
		}()
	}
}

// Close stops accepting and removes the socket; processes already
// started run to their end.
func (s *Server) Close() error { return s.ln.Close() }

// handle serves one request: start, report, wait, report.
func (s *Server) handle(conn *net.UnixConn) {
	msg, files, err := receive(conn, make([]byte, maxMessage))
	if err != nil {
		return
	}
	var req request
	if err := json.Unmarshal(msg, &req); err != nil || len(req.Args) == 0 || len(files) != 3 {
		closeAll(files)
		_ = writeReply(conn, reply{Error: "bad request"})
		return
	}
	stdin, stdout, stderr := files[0], files[1], files[2]
	defer closeAll(files)

	env := mergeEnv(s.environ, req.Env)
	path, found := lookPath(req.Args[0], envValue(env, "PATH"))
	if !found {
		fmt.Fprintf(stderr, "containeragent: failed to execute %s: not found\n", req.Args[0])
		_ = writeReply(conn, reply{Exited: true, Code: 127})
		return
	}
	cmd := &exec.Cmd{
		Path:   path,
		Args:   req.Args,
		Env:    env,
		Dir:    req.Dir,
		Stdin:  stdin,
		Stdout: stdout,
		Stderr: stderr,
		// A process group of its own, so that a cancel kills what the
		// process started too.
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	if err := cmd.Start(); err != nil {
		// As nsenter and a shell report it: 127 not found, 126 not
		// executable.
		code := 126
		if errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		fmt.Fprintf(stderr, "containeragent: failed to execute %s: %v\n", req.Args[0], unwrapPathError(err))
		_ = writeReply(conn, reply{Exited: true, Code: code})
		return
	}
	// The child has its own copies now.
	closeAll(files)
	var mu sync.Mutex
	exited := false
	kill := func() {
		mu.Lock()
		defer mu.Unlock()
		if !exited {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}
	if err := writeReply(conn, reply{Started: true}); err != nil {
		kill()
	}
	// A cancel, or the client going away, kills the process group.
	go func() {
		buf := make([]byte, 64)
		for {
			msg, extra, err := receive(conn, buf)
			closeAll(extra)
			if err != nil || string(msg) == cancelMessage {
				kill()
				return
			}
		}
	}()
	_ = cmd.Wait()
	mu.Lock()
	exited = true
	mu.Unlock()
	_ = writeReply(conn, reply{Exited: true, Code: exitCode(cmd.ProcessState)})
}

func writeReply(conn *net.UnixConn, r reply) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return send(conn, data)
}

// exitCode is the status as a shell reports it: 128+n for signal n.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// mergeEnv is base with the request's variables set over it.
func mergeEnv(base []string, set map[string]string) []string {
	out := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; !ok {
			out = append(out, kv)
		}
	}
	for k, v := range set {
		out = append(out, k+"="+v)
	}
	return out
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// lookPath finds name on path (the request's PATH, not this process's),
// as execvp does; a name with a slash is used as it is.
func lookPath(name, path string) (string, bool) {
	if strings.Contains(name, "/") {
		return name, true
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Main is the containeragent command: `containeragent <socket>` serves on
// the socket until SIGTERM or SIGINT.
func Main(args []string, environ []string, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(stderr, "usage: containeragent <socket>")
		return 2
	}
	// What this process inherited (the namespace handles nsenter passed
	// on) is not the hooks' business.
	closeInheritedOnExec()
	srv, err := Listen(args[1], environ)
	if err != nil {
		fmt.Fprintln(stderr, "ERROR", err)
		return 1
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		_ = srv.Close()
	}()
	if err := srv.Serve(); err != nil {
		fmt.Fprintln(stderr, "ERROR", err)
		return 1
	}
	return 0
}

// closeInheritedOnExec marks every descriptor above stderr close-on-exec.
func closeInheritedOnExec() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}
