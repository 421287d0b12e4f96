package rpc

import (
	"errors"
	"fmt"
	"io"
	"net"
	netrpc "net/rpc"
	"os"
	"path/filepath"
)

// Client calls Jujuc.Main for one hook context.
type Client struct {
	Network   string // "unix"
	Address   string // socket path
	ContextID string
	Token     string
	// Dir is the caller's working directory: relative paths in the
	// tool's arguments resolve against it. Must be absolute.
	Dir string
}

// ClientFromEnv reads the JUJU_* variables a hook's environment carries.
// The context ID, socket address and network are required, as they are
// for Juju's own client; the token may be empty.
func ClientFromEnv(getenv func(string) string, dir string) (Client, error) {
	c := Client{
		Network:   getenv(EnvSocketNetwork),
		Address:   getenv(EnvSocketAddress),
		ContextID: getenv(EnvContextID),
		Token:     getenv(EnvToken),
		Dir:       dir,
	}
	for _, v := range []struct{ name, value string }{
		{EnvContextID, c.ContextID},
		{EnvSocketAddress, c.Address},
		{EnvSocketNetwork, c.Network},
	} {
		if v.value == "" {
			return Client{}, fmt.Errorf("%s not set", v.name)
		}
	}
	if c.Network != Network {
		// Juju's tcp transport needs TLS material this client does not
		// implement.
		return Client{}, fmt.Errorf("%s %q is not supported (only %q)", EnvSocketNetwork, c.Network, Network)
	}
	return c, nil
}

// Call runs tool with args in the agent. stdin is read, in full, only if
// the agent says the tool needs it (ErrNoStdin); it may be nil when the
// caller has none. A non-nil error means the tool did not run (no agent,
// refused request); a tool that ran and failed is a Response with a
// non-zero Code.
func (c Client) Call(tool string, args []string, stdin io.Reader) (Response, error) {
	conn, err := net.Dial(c.Network, c.Address)
	if err != nil {
		return Response{}, fmt.Errorf("cannot reach the unit agent: %w", err)
	}
	client := netrpc.NewClient(conn)
	defer client.Close()

	req := Request{
		ContextId:   c.ContextID,
		Dir:         c.Dir,
		CommandName: tool,
		Args:        args,
		Token:       c.Token,
	}
	var resp Response
	err = client.Call(MethodName, req, &resp)
	if err != nil && err.Error() == ErrNoStdin.Error() {
		if stdin != nil {
			if req.Stdin, err = io.ReadAll(stdin); err != nil {
				return Response{}, fmt.Errorf("cannot read stdin: %w", err)
			}
		}
		req.StdinSet = true
		resp = Response{}
		err = client.Call(MethodName, req, &resp)
	}
	if err != nil {
		var se netrpc.ServerError
		if errors.As(err, &se) {
			// The agent's own words ("bad request: …").
			return Response{}, se
		}
		return Response{}, fmt.Errorf("calling the unit agent: %w", err)
	}
	return resp, nil
}

// ClientCommand is the name of the multi-call binary itself; invoked under
// this name it takes the tool name as its first argument.
const ClientCommand = "jujuc"

// Main is the whole of cmd/jujuc: it runs the tool named by args[0]'s
// base name (each tool is a symlink to the binary), or by args[1] when
// the binary is invoked as "jujuc", forwards the call to the agent and
// returns the exit code to use. Failures to reach the agent are printed
// as "ERROR <message>" and exit 1, as Juju's jujud does; usage errors
// exit 2.
func Main(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "ERROR no command name")
		return 2
	}
	tool, rest := filepath.Base(args[0]), args[1:]
	if tool == ClientCommand {
		if len(rest) == 0 || rest[0] == "" {
			fmt.Fprintf(stderr, "ERROR no tool named\nUsage: %s <tool> [arguments...]\n", ClientCommand)
			return 2
		}
		tool, rest = rest[0], rest[1:]
	}
	dir, err := os.Getwd()
	if err == nil {
		dir, err = filepath.Abs(dir)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ERROR %v\n", err)
		return 1
	}
	c, err := ClientFromEnv(getenv, dir)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR %v\n", err)
		return 1
	}
	resp, err := c.Call(tool, rest, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR %v\n", err)
		return 1
	}
	// Write errors (a closed pipe) cannot be reported anywhere useful.
	_, _ = stdout.Write(resp.Stdout)
	_, _ = stderr.Write(resp.Stderr)
	return resp.Code
}
