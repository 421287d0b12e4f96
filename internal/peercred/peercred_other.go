//go:build !linux

package peercred

import "net"

// Trusted relies on the sockets' permissions (0600, in a private
// directory) where SO_PEERCRED is not available; the process ID is
// unknown (0).
func Trusted(net.Conn) (ok bool, pid int) { return true, 0 }
