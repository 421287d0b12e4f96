package rpcserver

import (
	"fmt"
	"net"
	"os"

	"github.com/identity-platform-go/charms/internal/peercred"
)

// peer reports whether the connecting process may call the tools, and,
// when it lives in another mount namespace (a hook in a container), the
// directory its filesystem is seen at from here: /proc/<pid>/root.
func peer(conn net.Conn) (allowed bool, root string) {
	ok, pid := peercred.Trusted(conn)
	if !ok {
		return false, ""
	}
	if pid == 0 {
		return true, ""
	}
	self, err1 := os.Readlink("/proc/self/ns/mnt")
	theirs, err2 := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid))
	if err1 != nil || err2 != nil || self == theirs {
		return true, ""
	}
	return true, fmt.Sprintf("/proc/%d/root", pid)
}
