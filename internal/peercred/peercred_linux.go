// Package peercred tells who is at the other end of a unix socket, so
// that the agent's sockets (the hook tools' server, the containeragent)
// answer only the processes they are for.
package peercred

import (
	"net"
	"os"
	"syscall"
)

// Trusted reports whether the process at the other end of conn runs as
// root or as this process's user (SO_PEERCRED), and its process ID. The
// sockets' permissions already keep others out; this also covers a
// socket directory whose mode someone loosened.
func Trusted(conn net.Conn) (ok bool, pid int) {
	uc, isUnix := conn.(*net.UnixConn)
	if !isUnix {
		return false, 0
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return false, 0
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || credErr != nil {
		return false, 0
	}
	if cred.Uid != 0 && int(cred.Uid) != os.Getuid() {
		return false, 0
	}
	return true, int(cred.Pid)
}
