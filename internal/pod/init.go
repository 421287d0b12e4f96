package pod

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// initArg0 is the argv[0] under which the runtime re-executes its own
// binary (/proc/self/exe) as a container's init. The init function below
// catches it before main (or TestMain) runs, so every binary that links
// this package — test binaries and the controller alike — can start
// containers without a separate helper binary.
const initArg0 = "ipgc-container-init"

// Paths inside every container.
const (
	pebbleInContainer = "/charm/bin/pebble"
	// PebbleDir is $PEBBLE in workload containers.
	PebbleDir = "/var/lib/pebble/default"
	// PebbleSocketInContainer is $PEBBLE_SOCKET in workload containers.
	PebbleSocketInContainer = "/charm/container/pebble.socket"
	defaultPath             = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	oldRoot                 = "/.oldroot"
	scratch                 = "/.scratch"
)

// initConfig is what the runtime sends a container's init on fd 3.
type initConfig struct {
	Netns     string      `json:"netns"`    // the pod's netns file
	Root      string      `json:"root"`     // host directory to build the root on
	Hostname  string      `json:"hostname"` // the pod name
	Pebble    bool        `json:"pebble"`   // exec Pebble; otherwise pause
	Env       []string    `json:"env"`      // Pebble's environment
	Users     []string    `json:"users"`
	HostsFile string      `json:"hostsFile"` // host path, bound read-only at /etc/hosts
	Mounts    []initMount `json:"mounts"`    // after the base layout, in this order
}

// initMount binds a host path (file or directory) into the container.
type initMount struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly"`
}

func init() {
	if len(os.Args) > 0 && os.Args[0] == initArg0 {
		containerInit()
	}
}

// containerInit runs as PID 1 of a new PID namespace, in new mount and UTS
// namespaces (clone flags set by the runtime) and in the pod's cgroup. It
// joins the pod's network namespace, builds the container's root and then
// becomes Pebble, or, in the charm container, a reaper that waits for
// SIGTERM. Setup errors go to fd 4; "ok" there means the root is ready.
func containerInit() {
	// Package init runs on the main thread, locked; keep it that way: the
	// network namespace is joined by this thread only, and both the sysfs
	// mount and the exec of Pebble must happen on it.
	runtime.LockOSThread()
	status := os.NewFile(4, "status")
	cfg, err := readInitConfig(os.NewFile(3, "config"))
	if err == nil {
		err = setupContainer(cfg)
	}
	if err != nil {
		fmt.Fprintf(status, "%v\n", err)
		os.Exit(1)
	}
	if cfg.Pebble {
		syscall.CloseOnExec(4) // EOF for the runtime once Pebble runs
		fmt.Fprint(status, "ok\n")
		argv := []string{pebbleInContainer, "run", "--create-dirs", "--hold"}
		err := syscall.Exec(pebbleInContainer, argv, cfg.Env)
		fmt.Fprintf(status, "exec %s: %v\n", pebbleInContainer, err)
		os.Exit(1)
	}
	fmt.Fprint(status, "ok\n")
	_ = status.Close()
	pause()
}

func readInitConfig(f *os.File) (initConfig, error) {
	defer f.Close()
	var cfg initConfig
	if err := json.NewDecoder(f).Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("read init config: %w", err)
	}
	return cfg, nil
}

// pause is the charm container's PID 1: it reaps the orphans of the
// processes Exec starts there and exits on SIGTERM.
func pause() {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}

// setupContainer builds the container's root: a fresh tmpfs, pivoted
// into, with the host visible at /.oldroot until the end of the setup so
// that every container path is resolved inside the new root (a symlink
// in the image or in /etc can never point the setup at a host path).
func setupContainer(cfg initConfig) error {
	if err := setns(cfg.Netns, syscall.CLONE_NEWNET); err != nil {
		return err
	}
	// Nothing mounted here may propagate back to the host.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	if err := syscall.Sethostname([]byte(cfg.Hostname)); err != nil {
		return fmt.Errorf("set hostname: %w", err)
	}
	syscall.Umask(0)
	if err := syscall.Mount("tmpfs", cfg.Root, "tmpfs", 0, "mode=0755"); err != nil {
		return fmt.Errorf("mount root tmpfs on %s: %w", cfg.Root, err)
	}
	for _, d := range []string{oldRoot, scratch} {
		if err := syscall.Mkdir(cfg.Root+d, 0o700); err != nil {
			return fmt.Errorf("mkdir %s: %w", d, err)
		}
	}
	// Upper layers of the overlays live on a tmpfs of their own, detached
	// at the end: the overlays keep it alive, nothing else can reach it.
	if err := syscall.Mount("tmpfs", cfg.Root+scratch, "tmpfs", 0, "mode=0700"); err != nil {
		return fmt.Errorf("mount scratch tmpfs: %w", err)
	}
	if err := syscall.PivotRoot(cfg.Root, cfg.Root+oldRoot); err != nil {
		return fmt.Errorf("pivot_root to %s: %w", cfg.Root, err)
	}
	if err := syscall.Chdir("/"); err != nil {
		return err
	}

	readOnly, err := mountSystemDirs()
	if err != nil {
		return err
	}
	steps := []func() error{
		mountEtc,
		makeDirs,
		mountKernelFS,
		mountDev,
		func() error { return addUsers(cfg.Users) },
		func() error { return writeNetworkFiles(cfg) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	for _, m := range cfg.Mounts {
		if err := bindMount(m); err != nil {
			return err
		}
	}
	for _, d := range readOnly {
		if err := remountReadOnly(d); err != nil {
			return err
		}
	}
	for _, d := range []string{oldRoot, scratch} {
		if err := syscall.Unmount(d, syscall.MNT_DETACH); err != nil {
			return fmt.Errorf("detach %s: %w", d, err)
		}
		if err := syscall.Rmdir(d); err != nil {
			return fmt.Errorf("rmdir %s: %w", d, err)
		}
	}
	syscall.Umask(0o022)
	return nil
}

func setns(path string, nstype int) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open namespace: %w", err)
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), nstype); err != nil {
		return fmt.Errorf("setns %s: %w", path, err)
	}
	return nil
}

// mountSystemDirs gives the container the host's /usr, /bin, /sbin and
// /lib*: symlinks (merged /usr) are reproduced, directories are overlays
// on the host's with an upper layer in scratch, so that mount points for
// image files (say /usr/local/bin/kratos) can be created without touching
// the host. They are made read-only once the image is in place; the
// returned list names them. Without overlayfs a read-only bind mount is
// used, and image files must then have existing mount points there.
func mountSystemDirs() (readOnly []string, err error) {
	for _, d := range systemDirs {
		fi, err := os.Lstat(oldRoot + d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(oldRoot + d)
			if err != nil {
				return nil, err
			}
			if err := os.Symlink(target, d); err != nil {
				return nil, err
			}
		case fi.IsDir():
			if err := syscall.Mkdir(d, 0o755); err != nil {
				return nil, fmt.Errorf("mkdir %s: %w", d, err)
			}
			if err := overlay(d); err != nil {
				if err := syscall.Mount(oldRoot+d, d, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
					return nil, fmt.Errorf("bind %s: %w", d, err)
				}
			}
			readOnly = append(readOnly, d)
		}
	}
	return readOnly, nil
}

// overlay mounts the host's directory d at d, writable through an upper
// layer in scratch.
func overlay(d string) error {
	upper, work := scratch+d+"/upper", scratch+d+"/work"
	for _, dir := range []string{upper, work} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	opts := "lowerdir=" + oldRoot + d + ",upperdir=" + upper + ",workdir=" + work
	if err := syscall.Mount("overlay", d, "overlay", 0, opts); err != nil {
		return fmt.Errorf("overlay %s: %w", d, err)
	}
	return nil
}

// mountEtc gives the container a private, writable /etc that starts as
// the host's: an overlay (copy on write), or a copy without overlayfs.
func mountEtc() error {
	if err := syscall.Mkdir("/etc", 0o755); err != nil {
		return fmt.Errorf("mkdir /etc: %w", err)
	}
	if overlay("/etc") == nil {
		return nil
	}
	if err := copyTree(oldRoot+"/etc", "/etc"); err != nil {
		return fmt.Errorf("copy /etc: %w", err)
	}
	return nil
}

// copyTree copies a directory tree: regular files, directories and
// symlinks, with their modes and owners; other file types are skipped.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		st, _ := info.Sys().(*syscall.Stat_t)
		switch {
		case d.IsDir():
			if rel != "." {
				if err := syscall.Mkdir(target, uint32(info.Mode().Perm())); err != nil {
					return err
				}
			}
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			if err := os.Symlink(link, target); err != nil {
				return err
			}
		case d.Type().IsRegular():
			if err := copyFile(path, target, info.Mode().Perm()); err != nil {
				return err
			}
		default:
			return nil
		}
		if st != nil {
			return os.Lchown(target, int(st.Uid), int(st.Gid))
		}
		return nil
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// makeDirs creates the container's own directories on the root tmpfs:
// fresh on every start, as a Kubernetes container's writable layer.
func makeDirs() error {
	dirs := []struct {
		path string
		mode uint32
	}{
		{"/tmp", 0o1777}, {"/var", 0o755}, {"/var/tmp", 0o1777}, {"/var/lib", 0o755},
		{"/var/log", 0o755}, {"/var/cache", 0o755}, {"/run", 0o755}, {"/run/lock", 0o1777},
		{"/opt", 0o755}, {"/srv", 0o755}, {"/home", 0o755}, {"/root", 0o700},
		{"/mnt", 0o755}, {"/media", 0o755}, {"/proc", 0o555}, {"/sys", 0o555},
		{"/dev", 0o755}, {"/charm", 0o755}, {"/charm/bin", 0o755},
	}
	for _, d := range dirs {
		if err := syscall.Mkdir(d.path, d.mode); err != nil {
			return fmt.Errorf("mkdir %s: %w", d.path, err)
		}
	}
	for link, target := range map[string]string{"/var/run": "/run", "/var/lock": "/run/lock"} {
		if err := os.Symlink(target, link); err != nil {
			return err
		}
	}
	return nil
}

// mountKernelFS mounts /proc of the container's PID namespace and a
// read-only /sys, whose network part shows the pod's namespace.
func mountKernelFS() error {
	const noexec = syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC
	if err := syscall.Mount("proc", "/proc", "proc", noexec, ""); err != nil {
		return fmt.Errorf("mount /proc: %w", err)
	}
	if err := syscall.Mount("sysfs", "/sys", "sysfs", noexec|syscall.MS_RDONLY, ""); err != nil {
		return fmt.Errorf("mount /sys: %w", err)
	}
	return nil
}

// mountDev builds a minimal /dev: the usual character devices, a private
// devpts and /dev/shm.
func mountDev() error {
	if err := syscall.Mount("tmpfs", "/dev", "tmpfs", syscall.MS_NOSUID, "mode=0755,size=65536k"); err != nil {
		return fmt.Errorf("mount /dev: %w", err)
	}
	devices := []struct {
		name         string
		major, minor uint32
	}{{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}}
	for _, d := range devices {
		path := "/dev/" + d.name
		dev := int(d.major<<8 | d.minor) // old encoding: fine for numbers below 256
		if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, dev); err != nil {
			// No CAP_MKNOD (nested containers): bind the host's node.
			if err := bindMount(initMount{Source: "/dev/" + d.name, Target: path}); err != nil {
				return err
			}
		}
	}
	if err := syscall.Mkdir("/dev/pts", 0o755); err != nil {
		return err
	}
	if err := syscall.Mount("devpts", "/dev/pts", "devpts", syscall.MS_NOSUID|syscall.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"); err != nil {
		return fmt.Errorf("mount /dev/pts: %w", err)
	}
	if err := syscall.Mkdir("/dev/shm", 0o1777); err != nil {
		return err
	}
	if err := syscall.Mount("shm", "/dev/shm", "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "mode=1777"); err != nil {
		return fmt.Errorf("mount /dev/shm: %w", err)
	}
	links := map[string]string{
		"/dev/ptmx": "pts/ptmx", "/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0",
		"/dev/stdout": "/proc/self/fd/1", "/dev/stderr": "/proc/self/fd/2",
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			return err
		}
	}
	return nil
}

// writeNetworkFiles installs the pod's /etc/hosts (bound read-only from
// the runtime's file, which the runtime rewrites in place as units come
// and go), /etc/hostname and an /etc/resolv.conf without name servers:
// pods reach no DNS server; with none configured, glibc and Go ask
// 127.0.0.1:53 of the pod, where nothing listens, so unknown names fail at
// once instead of timing out.
func writeNetworkFiles(cfg initConfig) error {
	files := map[string]string{
		"/etc/hostname": cfg.Hostname + "\n",
		"/etc/resolv.conf": "# Written by the local pod runtime: pods have no DNS server;\n" +
			"# names resolve through /etc/hosts only.\n",
		"/etc/hosts": "",
	}
	for path, content := range files {
		// They may be symlinks on the host (systemd-resolved's resolv.conf).
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return bindMount(initMount{Source: cfg.HostsFile, Target: "/etc/hosts", ReadOnly: true})
}

// bindMount binds m.Source (a host path, reached under /.oldroot) at
// m.Target, creating the mount point on the container's side.
func bindMount(m initMount) error {
	src := oldRoot + m.Source
	fi, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("mount source for %s: %w", m.Target, err)
	}
	if fi.IsDir() {
		if err := os.MkdirAll(m.Target, 0o755); err != nil {
			return fmt.Errorf("mount point %s: %w", m.Target, err)
		}
	} else {
		if err := os.MkdirAll(filepath.Dir(m.Target), 0o755); err != nil {
			return fmt.Errorf("mount point %s: %w", m.Target, err)
		}
		f, err := os.OpenFile(m.Target, os.O_CREATE|os.O_RDONLY, 0o644)
		if err != nil {
			return fmt.Errorf("mount point %s: %w", m.Target, err)
		}
		_ = f.Close()
	}
	if err := syscall.Mount(src, m.Target, "", syscall.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s at %s: %w", m.Source, m.Target, err)
	}
	if m.ReadOnly {
		return remountReadOnly(m.Target)
	}
	return nil
}

func remountReadOnly(target string) error {
	if err := syscall.Mount("", target, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		return fmt.Errorf("make %s read-only: %w", target, err)
	}
	return nil
}

// addUsers appends to the container's /etc/passwd and /etc/group the
// image's users that the host's copy lacks, each with a group of its own
// name and the first free ID from 1000 (deterministic: the files start
// as the host's on every start).
func addUsers(users []string) error {
	if len(users) == 0 {
		return nil
	}
	passwd, err := readIDs("/etc/passwd")
	if err != nil {
		return err
	}
	group, err := readIDs("/etc/group")
	if err != nil {
		return err
	}
	for _, u := range users {
		if _, ok := passwd.byName[u]; ok {
			continue
		}
		gid, ok := group.byName[u]
		if !ok {
			gid = group.free(1000)
			if err := appendLine("/etc/group", fmt.Sprintf("%s:x:%d:", u, gid)); err != nil {
				return err
			}
			group.add(u, gid)
		}
		uid := passwd.free(1000)
		if err := appendLine("/etc/passwd", fmt.Sprintf("%s:x:%d:%d::/nonexistent:/usr/sbin/nologin", u, uid, gid)); err != nil {
			return err
		}
		passwd.add(u, uid)
		if _, err := os.Stat("/etc/shadow"); err == nil {
			if err := appendLine("/etc/shadow", u+":!:::::::"); err != nil {
				return err
			}
		}
	}
	return nil
}

type idFile struct {
	byName map[string]int
	used   map[int]bool
}

func (f idFile) free(from int) int {
	for id := from; ; id++ {
		if !f.used[id] {
			return id
		}
	}
}

func (f idFile) add(name string, id int) { f.byName[name], f.used[id] = id, true }

// readIDs reads name and numeric ID (third field) of a passwd or group
// file.
func readIDs(path string) (idFile, error) {
	f := idFile{byName: map[string]int{}, used: map[int]bool{}}
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	defer file.Close()
	s := bufio.NewScanner(file)
	for s.Scan() {
		fields := strings.Split(s.Text(), ":")
		if len(fields) < 3 {
			continue
		}
		if id, err := strconv.Atoi(fields[2]); err == nil {
			f.add(fields[0], id)
		}
	}
	return f, s.Err()
}

func appendLine(path, line string) error {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		line = "\n" + line
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
