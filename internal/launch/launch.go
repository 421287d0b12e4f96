// Package launch starts a unit's hook processes from inside its charm
// container, as Juju's containeragent does on Kubernetes: there the unit
// agent lives in the charm container and forks dispatch itself.
//
// The local runtime's agents live in the controller, so each unit gets a
// small stand-in instead: a Server run in the charm container (the tool
// binary called as "containeragent") listens on a unix socket in the
// pod's run directory (pod.PodSpec.RunDir), and the controller's Run
// asks it to start each hook's dispatch. A hook then costs one fork and exec inside the
// container instead of nsenter entering five namespaces and forking
// again, a few milliseconds on every hook.
//
// The protocol is one request per connection over a SOCK_SEQPACKET
// socket, each message JSON:
//
//	client → server  request, with the process's stdin, stdout and
//	                 stderr attached as SCM_RIGHTS
//	server → client  started, an error, or (could not execute) exited
//	client → server  cancel (optional; closing the connection cancels too)
//	server → client  exit status
//
// The server answers only its own user (root) and refuses other peers.
package launch

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// Network is the socket type: message boundaries keep the protocol free
// of framing, and every message carries its own descriptors.
const Network = "unixpacket"

// SocketName is the server's socket in the pod's run directory.
const SocketName = "containeragent.socket"

// maxMessage bounds one message: the environment of a hook is a few KiB.
const maxMessage = 1 << 20

// request is a process to start.
type request struct {
	Args []string          `json:"args"`
	Env  map[string]string `json:"env,omitempty"`
	Dir  string            `json:"dir,omitempty"`
}

// reply is the server's answer: first Started (or Error), then Exited.
type reply struct {
	Started bool   `json:"started,omitempty"`
	Error   string `json:"error,omitempty"`
	Exited  bool   `json:"exited,omitempty"`
	Code    int    `json:"code,omitempty"`
}

// cancelMessage is the client's request to kill the process group.
const cancelMessage = "cancel"

// send writes one message with optional descriptors.
func send(conn *net.UnixConn, msg []byte, files ...*os.File) error {
	var oob []byte
	if len(files) > 0 {
		fds := make([]int, len(files))
		for i, f := range files {
			fds[i] = int(f.Fd())
		}
		oob = syscall.UnixRights(fds...)
	}
	n, oobn, err := conn.WriteMsgUnix(msg, oob, nil)
	if err != nil {
		return err
	}
	if n != len(msg) || oobn != len(oob) {
		return fmt.Errorf("short write (%d of %d bytes, %d of %d control bytes)", n, len(msg), oobn, len(oob))
	}
	return nil
}

// receive reads one message and the descriptors that came with it.
func receive(conn *net.UnixConn, buf []byte) ([]byte, []*os.File, error) {
	oob := make([]byte, syscall.CmsgSpace(3*4))
	n, oobn, flags, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, nil, err
	}
	files, ferr := parseRights(oob[:oobn])
	if flags&(syscall.MSG_TRUNC|syscall.MSG_CTRUNC) != 0 {
		closeAll(files)
		return nil, nil, errors.New("message too large")
	}
	if ferr != nil {
		closeAll(files)
		return nil, nil, ferr
	}
	if n == 0 && oobn == 0 {
		// A zero-length read on a seqpacket socket is the peer's close.
		return nil, nil, errClosed
	}
	return buf[:n], files, nil
}

var errClosed = errors.New("connection closed")

func parseRights(oob []byte) ([]*os.File, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("control message: %w", err)
	}
	var files []*os.File
	for _, m := range msgs {
		fds, err := syscall.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			files = append(files, os.NewFile(uintptr(fd), "passed"))
		}
	}
	return files, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		if f != nil {
			_ = f.Close()
		}
	}
}
