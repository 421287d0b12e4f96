//go:build !linux

package rpcserver

import "net"

// peerAllowed relies on the socket's permissions (0600 in a 0700
// directory) where SO_PEERCRED is not available.
func peerAllowed(net.Conn) bool { return true }

func peer(net.Conn) (bool, string) { return true, "" }
