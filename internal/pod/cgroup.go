package pod

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cgroupRoot is the runtime's directory in the cgroup v2 hierarchy,
// "<cgroup2 mount>/<bridge>", holding one cgroup per running pod. Its dir
// is empty when no writable cgroup2 hierarchy exists; pods are then
// contained by their PID namespaces alone.
type cgroupRoot struct{ dir string }

// openCgroupRoot finds the cgroup2 mount (/sys/fs/cgroup on a unified
// host, /sys/fs/cgroup/unified on a hybrid one) and creates the runtime's
// directory under its root. Processes are placed there with clone3's
// CLONE_INTO_CGROUP, so that even the first instruction of a pod process
// runs inside the pod's cgroup.
func openCgroupRoot(bridge string) (cgroupRoot, error) {
	mnt, err := cgroup2Mount()
	if err != nil || mnt == "" {
		return cgroupRoot{}, err
	}
	dir := filepath.Join(mnt, bridge)
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return cgroupRoot{}, fmt.Errorf("create cgroup %s: %w", dir, err)
	}
	return cgroupRoot{dir: dir}, nil
}

func cgroup2Mount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		// ID parent major:minor root mountpoint options [optional...] - fstype source superopts
		line := s.Text()
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		if fields := strings.Fields(post); len(fields) > 0 && fields[0] == "cgroup2" {
			if pf := strings.Fields(pre); len(pf) >= 5 {
				return unescapeMountPath(pf[4]), nil
			}
		}
	}
	return "", s.Err()
}

// podDir is the cgroup of pod index i.
func (c cgroupRoot) podDir(i int) string {
	if c.dir == "" {
		return ""
	}
	return filepath.Join(c.dir, strconv.Itoa(i))
}

// create makes a fresh cgroup for pod index i (killing whatever a crashed
// run left in it) and returns it opened, for CLONE_INTO_CGROUP.
func (c cgroupRoot) create(i int) (*os.File, error) {
	dir := c.podDir(i)
	if dir == "" {
		return nil, nil
	}
	if err := removeCgroup(dir); err != nil {
		return nil, err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create cgroup: %w", err)
	}
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return nil, fmt.Errorf("open cgroup: %w", err)
	}
	return f, nil
}

// children lists the pod cgroups under the root (leftovers at Open).
func (c cgroupRoot) children() []string {
	if c.dir == "" {
		return nil
	}
	entries, _ := os.ReadDir(c.dir)
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(c.dir, e.Name()))
		}
	}
	return dirs
}

// remove deletes the runtime's directory (at Close).
func (c cgroupRoot) remove() error {
	if c.dir == "" {
		return nil
	}
	for _, d := range c.children() {
		if err := removeCgroup(d); err != nil {
			return err
		}
	}
	if err := os.Remove(c.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove cgroup %s: %w", c.dir, err)
	}
	return nil
}

// removeCgroup kills every process in the cgroup, waits for it to empty
// and removes it. Absent cgroups are fine.
func removeCgroup(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := killCgroup(dir); err != nil {
		return err
	}
	var err error
	for range 200 {
		if err = os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("remove cgroup %s: %w", dir, err)
}

// killCgroup SIGKILLs the cgroup's processes (cgroup.kill, Linux 5.14+,
// or one by one) until it reports itself unpopulated.
func killCgroup(dir string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		populated, err := cgroupPopulated(dir)
		if err != nil || !populated {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cgroup %s: processes still running after SIGKILL", dir)
		}
		if err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0); err != nil {
			procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
			for _, f := range strings.Fields(string(procs)) {
				if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func cgroupPopulated(dir string) (bool, error) {
	events, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read cgroup events: %w", err)
	}
	for _, line := range bytes.Split(events, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("populated ")); ok {
			return string(v) != "0", nil
		}
	}
	return false, nil
}

// unescapeMountPath decodes the octal escapes (\040 for a space…) the
// kernel uses in /proc/*/mountinfo.
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
