package rpcserver

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// peerAllowed reports whether the process at the other end of conn runs
// as root or as this process's user (SO_PEERCRED). The socket's
// permissions already keep others out; this also covers a socket
// directory whose mode someone loosened.
func peerAllowed(conn net.Conn) bool {
	ok, _ := peer(conn)
	return ok
}

// peer reports whether the connecting process may call the tools, and,
// when it lives in another mount namespace (a hook in a container), the
// directory its filesystem is seen at from here: /proc/<pid>/root.
func peer(conn net.Conn) (allowed bool, root string) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return false, ""
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return false, ""
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || credErr != nil {
		return false, ""
	}
	if cred.Uid != 0 && int(cred.Uid) != os.Getuid() {
		return false, ""
	}
	self, err1 := os.Readlink("/proc/self/ns/mnt")
	theirs, err2 := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", cred.Pid))
	if err1 != nil || err2 != nil || self == theirs {
		return true, ""
	}
	return true, fmt.Sprintf("/proc/%d/root", cred.Pid)
}
