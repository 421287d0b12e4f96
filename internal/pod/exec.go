package pod

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ExecSpec is a process to run in a container.
type ExecSpec struct {
	// Args is the argv; Args[0] is looked up on the PATH of Env.
	Args []string
	// Env is added to the container's environment (its image's, PATH and
	// HOME); in the charm container the hook tools' directory is put first
	// on PATH. Values may be secret: they are never in errors or argv.
	Env map[string]string
	// Dir is the working directory in the container; default "/".
	Dir string
	// User runs the process as this account of the container's
	// /etc/passwd (name or numeric ID), with its groups; default root.
	User string
	// Stdin, Stdout and Stderr default to the null device.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// execWaitDelay bounds the wait for output pipes once the process has
// exited, in case it left a daemon holding them.
const execWaitDelay = 2 * time.Second

// Exec runs a process in the named container — in its mount, UTS, PID and
// network namespaces and the pod's cgroup — and returns its exit status
// (128+n when killed by signal n, as a shell reports it; 126 or 127 when
// the command cannot be executed or is not found; 1, with a message on
// Stderr, in the unlikely case nsenter cannot enter the namespaces). The
// error is for a process that could not be started (pod not running, no
// such container, unknown user) or whose context ended: the process group
// is then killed and the error wraps ctx.Err(). When the process leaves a
// daemon holding its stdout or stderr, Exec returns 2s after the process
// exits and the daemon's later output is lost.
//
// It runs nsenter(1) rather than entering the namespaces itself: a Go
// process is multi-threaded and setns(2) refuses to move it into another
// mount namespace.
func (p *Pod) Exec(ctx context.Context, containerName string, spec ExecSpec) (int, error) {
	if len(spec.Args) == 0 {
		return -1, fmt.Errorf("exec in %s/%s: no command", p.key, containerName)
	}
	op := fmt.Sprintf("exec %q in %s/%s", spec.Args[0], p.key, containerName)
	if err := ctx.Err(); err != nil {
		return -1, fmt.Errorf("%s: %w", op, err)
	}
	cmd, err := p.startExec(ctx, containerName, spec)
	if err != nil {
		return -1, fmt.Errorf("%s: %w", op, err)
	}
	err = cmd.Wait()
	if ctxErr := ctx.Err(); ctxErr != nil {
		return -1, fmt.Errorf("%s: %w", op, ctxErr)
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay):
		return exitCode(cmd.ProcessState), nil
	case errors.As(err, &exitErr):
		return exitCode(exitErr.ProcessState), nil
	default:
		return -1, fmt.Errorf("%s: %w", op, err)
	}
}

// exitCode is the status as a shell reports it. nsenter exits with its
// child's status, or kills itself with the child's signal.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// startExec starts nsenter under the pod's read lock: Stop cannot close
// the namespace handles while they are being passed to the child.
func (p *Pod) startExec(ctx context.Context, name string, spec ExecSpec) (*exec.Cmd, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.state != running {
		return nil, errors.New("pod is not running")
	}
	c := p.containers[name]
	if c == nil {
		return nil, errors.New("no such container")
	}
	select {
	case <-c.done:
		return nil, fmt.Errorf("container has exited (%v)", c.cmd.ProcessState)
	default:
	}
	env := map[string]string{}
	for k, v := range c.env {
		env[k] = v
	}
	// The working directory: nsenter changes to it after entering the
	// root (one exec fewer per hook), or env does where nsenter is older.
	wd, chdir := "--wd=/proc/self/fd/7", []string(nil)
	switch {
	case spec.Dir == "" || spec.Dir == "/":
	case p.rt.tools.wdns:
		wd = "--wdns=" + spec.Dir
	case p.rt.tools.env == "":
		return nil, errors.New("a working directory needs env (coreutils)")
	default:
		chdir = []string{p.rt.tools.env, "--chdir=" + spec.Dir, "--"}
	}
	// Namespace handles become fds 3-7 of nsenter, which reopens them
	// through /proc/self/fd.
	args := []string{
		"nsenter",
		"--mount=/proc/self/fd/3", "--uts=/proc/self/fd/4", "--net=/proc/self/fd/5",
		"--pid=/proc/self/fd/6", "--root=/proc/self/fd/7", wd,
		"--",
	}
	if spec.User != "" {
		if p.rt.tools.setpriv == "" {
			return nil, errors.New("running as another user needs setpriv (util-linux)")
		}
		u, err := lookupUser(c.ns[4], spec.User)
		if err != nil {
			return nil, err
		}
		groups := "--init-groups"
		if !u.named {
			groups = "--clear-groups"
		} else {
			env["USER"], env["LOGNAME"] = u.name, u.name
		}
		env["HOME"] = u.home
		args = append(args, p.rt.tools.setpriv, "--reuid="+strconv.Itoa(u.uid), "--regid="+strconv.Itoa(u.gid), groups, "--")
	}
	for k, v := range spec.Env {
		env[k] = v
	}
	if name == CharmContainer {
		env["PATH"] = prependPath(p.spec.ToolsPath(), env["PATH"])
	}
	args = append(args, chdir...)
	args = append(args, spec.Args...)

	cmd := exec.CommandContext(ctx, p.rt.tools.nsenter, args[1:]...)
	cmd.Env = environ(env)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = spec.Stdin, spec.Stdout, spec.Stderr
	cmd.ExtraFiles = c.ns
	// A process group of its own, so that a cancelled Exec kills the
	// process and what it started (within the container's PID namespace,
	// the group still has nsenter's ID).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if p.cgroup != nil {
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = int(p.cgroup.Fd())
	}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = execWaitDelay
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return cmd, nil
}

type account struct {
	name     string
	uid, gid int
	home     string
	named    bool // found in /etc/passwd
}

// lookupUser reads the container's /etc/passwd through the handle on its
// root directory.
func lookupUser(root *os.File, user string) (account, error) {
	data, err := os.ReadFile("/proc/self/fd/" + strconv.Itoa(int(root.Fd())) + "/etc/passwd")
	if err != nil {
		return account{}, fmt.Errorf("read the container's /etc/passwd: %w", err)
	}
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		f := strings.Split(s.Text(), ":")
		if len(f) < 7 || (f[0] != user && f[2] != user) {
			continue
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			continue
		}
		return account{name: f[0], uid: uid, gid: gid, home: f[5], named: true}, nil
	}
	if id, err := strconv.Atoi(user); err == nil && id >= 0 {
		return account{uid: id, gid: id, home: "/"}, nil
	}
	return account{}, fmt.Errorf("no user %q in the container's /etc/passwd", user)
}
