// Package rpc carries hook-tool invocations from a hook's process to the
// agent that holds the hook context, speaking Juju 3.6's own wire
// protocol: net/rpc with gob encoding over the unix socket named by
// JUJU_AGENT_SOCKET_ADDRESS, one method, "Jujuc.Main".
//
// This package is the protocol and the calling side: what cmd/jujuc runs
// for every tool (found on the hook's PATH as symlinks named after the
// tools) and what a charm's hooktool.RPCRunner speaks. The agent's side,
// a server answering for any number of hook contexts at once, is
// package rpcserver.
package rpc

import "errors"

// MethodName is the net/rpc method Juju's hook tools call.
const MethodName = "Jujuc.Main"

// Network is the only socket network this package serves and dials.
const Network = "unix"

// Environment variables that tell a hook's tools where the agent is.
const (
	EnvContextID     = "JUJU_CONTEXT_ID"
	EnvSocketAddress = "JUJU_AGENT_SOCKET_ADDRESS"
	EnvSocketNetwork = "JUJU_AGENT_SOCKET_NETWORK"
	EnvToken         = "JUJU_AGENT_TOKEN"
)

// Request is one tool invocation. The field names are Juju's
// (jujuc.Request): gob matches fields by name, so a Juju-built client
// and this server understand each other.
type Request struct {
	ContextId   string // Juju's spelling, kept for the wire
	Dir         string // the client's working directory (absolute)
	CommandName string
	Args        []string

	// StdinSet tells an empty stdin from none: gob sends an empty Stdin
	// as nil.
	StdinSet bool
	Stdin    []byte

	Token string
}

// Response is the tool's result, Juju's exec.ExecResponse.
type Response struct {
	Code   int
	Stdout []byte
	Stderr []byte
}

// ErrNoStdin is what the server answers when the tool would read stdin
// and the request carries none; the client then retries with its stdin
// read fully. Over the wire only the message survives, so clients
// compare messages (it is Juju's, word for word).
var ErrNoStdin = errors.New("hook tool requires stdin, none supplied")
