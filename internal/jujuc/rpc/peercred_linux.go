package rpc

import (
	"net"
	"os"
	"syscall"
)

// peerAllowed reports whether the process at the other end of conn runs
// as root or as this process's user (SO_PEERCRED). The socket's
// permissions already keep others out; this also covers a socket
// directory whose mode someone loosened.
func peerAllowed(conn net.Conn) bool {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return false
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return false
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || credErr != nil {
		return false
	}
	return cred.Uid == 0 || int(cred.Uid) == os.Getuid()
}
