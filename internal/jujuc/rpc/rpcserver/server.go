// Package rpcserver is the agent's side of the hook tools' protocol
// (package rpc): it answers Jujuc.Main calls on a unix socket for the
// hook contexts registered with it. It is apart from package rpc so that
// a charm, which only calls, does not carry the tools' implementation.
package rpcserver

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netrpc "net/rpc"
	"os"
	"path/filepath"
	"sync"

	"github.com/identity-platform-go/charms/internal/jujuc"
	"github.com/identity-platform-go/charms/internal/jujuc/rpc"
)

// maxSocketPath is the longest unix socket path Linux accepts
// (sizeof(sun_path) - 1).
const maxSocketPath = 107

// socketName is the socket's name inside the server's private directory;
// short, to stay under maxSocketPath.
const socketName = "agent.socket"

// Server answers Jujuc.Main calls on a unix socket for the hook contexts
// registered with it. The socket lives in a directory of its own (mode
// 0700, socket 0600) and, on Linux, connections from any user other than
// the server's own or root are refused, as only the hook's own process
// may run its tools.
type Server struct {
	addr string
	dir  string
	ln   net.Listener
	rpc  *netrpc.Server
	// known is the set of tool names; others are refused as Juju's
	// server refuses them ("unknown command").
	known map[string]bool

	mu       sync.Mutex
	sessions map[string]*Session // by token
	conns    map[net.Conn]struct{}
	closed   bool

	wg sync.WaitGroup
}

// New starts a server on a fresh socket in a new private directory
// under parent (os.TempDir() when empty). Keep parent short: the socket
// path must fit in 107 bytes.
func New(parent string) (*Server, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "jujuc-")
	if err != nil {
		return nil, fmt.Errorf("jujuc server: creating socket directory: %w", err)
	}
	// MkdirTemp already uses 0700; say so in case the umask is odd.
	if err := os.Chmod(dir, 0o700); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("jujuc server: %w", err)
	}
	addr := filepath.Join(dir, socketName)
	if len(addr) > maxSocketPath {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("jujuc server: socket path %q is longer than %d bytes; use a shorter parent directory", addr, maxSocketPath)
	}
	ln, err := net.Listen(rpc.Network, addr)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("jujuc server: %w", err)
	}
	if err := os.Chmod(addr, 0o600); err != nil {
		_ = ln.Close()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("jujuc server: %w", err)
	}
	s := &Server{
		addr:     addr,
		dir:      dir,
		ln:       ln,
		rpc:      netrpc.NewServer(),
		known:    map[string]bool{},
		sessions: map[string]*Session{},
		conns:    map[net.Conn]struct{}{},
	}
	for _, n := range jujuc.Names() {
		s.known[n] = true
	}
	if err := s.rpc.RegisterName("Jujuc", &service{s: s}); err != nil {
		_ = ln.Close()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("jujuc server: %w", err)
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Address is the socket path (JUJU_AGENT_SOCKET_ADDRESS).
func (s *Server) Address() string { return s.addr }

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			// Closed by Close; any other accept error on a unix socket
			// is as fatal.
			return
		}
		allowed, root := peer(conn)
		if !allowed {
			_ = conn.Close()
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			srv := s.rpc
			if root != "" {
				// The caller's files are under its root: one service per
				// connection knows it.
				srv = netrpc.NewServer()
				if err := srv.RegisterName("Jujuc", &service{s: s, root: root}); err != nil {
					_ = conn.Close()
					return
				}
			}
			srv.ServeConn(conn)
			s.mu.Lock()
			delete(s.conns, conn)
			s.mu.Unlock()
		}()
	}
}

// Close stops accepting calls, drops open connections, waits for the
// calls in progress and removes the socket directory. Sessions still
// registered become unreachable.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	err := s.ln.Close()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if rmErr := os.RemoveAll(s.dir); err == nil {
		err = rmErr
	}
	return err
}

// Session is one hook execution's registration: its context ID and the
// token its tools must present.
type Session struct {
	s     *Server
	id    string
	token string

	// mu serialises tool calls: Juju runs one tool at a time per hook
	// context, and the Context implementations rely on it.
	mu     sync.Mutex
	ctx    jujuc.Context
	closed bool
}

// Register makes ctx answer tool calls that present contextID and the
// session's token (a fresh random one). Context IDs must be unique among
// the server's live sessions; Juju makes them from the unit, the hook
// and a random number.
func (s *Server) Register(contextID string, ctx jujuc.Context) (*Session, error) {
	if contextID == "" {
		return nil, errors.New("jujuc server: empty context ID")
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("jujuc server: making a token: %w", err)
	}
	se := &Session{s: s, id: contextID, token: hex.EncodeToString(b[:]), ctx: ctx}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("jujuc server: closed")
	}
	for _, other := range s.sessions {
		if other.id == contextID {
			return nil, fmt.Errorf("jujuc server: context ID %q is already registered", contextID)
		}
	}
	s.sessions[se.token] = se
	return se, nil
}

// ContextID is the session's JUJU_CONTEXT_ID.
func (se *Session) ContextID() string { return se.id }

// Token is the session's JUJU_AGENT_TOKEN.
func (se *Session) Token() string { return se.token }

// Environ is what the hook's environment needs for its tools to reach
// this session: JUJU_CONTEXT_ID, JUJU_AGENT_SOCKET_ADDRESS,
// JUJU_AGENT_SOCKET_NETWORK and JUJU_AGENT_TOKEN.
func (se *Session) Environ() map[string]string {
	return map[string]string{
		rpc.EnvContextID:     se.id,
		rpc.EnvSocketAddress: se.s.addr,
		rpc.EnvSocketNetwork: rpc.Network,
		rpc.EnvToken:         se.token,
	}
}

// Close unregisters the session. It waits for a tool call in progress, so
// that once it returns the Context is no longer used and the caller may
// commit or discard what the hook buffered.
func (se *Session) Close() {
	se.s.mu.Lock()
	delete(se.s.sessions, se.token)
	se.s.mu.Unlock()
	se.mu.Lock()
	se.closed = true
	se.mu.Unlock()
}

// badRequest is how Juju's server words refusals ("bad request: …").
func badRequest(format string, args ...any) error {
	return fmt.Errorf("bad request: "+format, args...)
}

// service is the receiver registered as "Jujuc": its only exported
// method is Main, so net/rpc serves Jujuc.Main and nothing else.
type service struct {
	s *Server
	// root is where the calling process's files are ("" for this
	// process's own view).
	root string
}

// Main runs one tool, checking the request in the order Juju's server
// does: token, command, directory, context.
func (v *service) Main(req rpc.Request, resp *rpc.Response) (err error) {
	v.s.mu.Lock()
	se := v.s.sessions[req.Token]
	v.s.mu.Unlock()
	if se == nil || req.Token == "" {
		return badRequest("token does not match")
	}
	if req.CommandName == "" {
		return badRequest("command not specified")
	}
	if !filepath.IsAbs(req.Dir) {
		return badRequest("Dir is not absolute")
	}
	if req.ContextId != se.id {
		return badRequest("wrong context ID; got %q", req.ContextId)
	}
	if !v.s.known[req.CommandName] {
		return badRequest("unknown command: %s", req.CommandName)
	}

	se.mu.Lock()
	defer se.mu.Unlock()
	if se.closed {
		return badRequest("token does not match")
	}
	// A panicking Context must not take the agent down with it. The
	// arguments are not quoted: they may carry secret content.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error running %s: %v", req.CommandName, r)
		}
	}()
	// Relative paths in --file and friends are relative to the caller's
	// working directory, as with Juju's cmd.Context.
	var ctx jujuc.Context = dirContext{Context: se.ctx, dir: req.Dir}
	if v.root != "" {
		ctx = rootedContext{dirContext{Context: se.ctx, dir: req.Dir}, v.root}
	}
	if !req.StdinSet && jujuc.NeedsStdin(ctx, req.CommandName, req.Args) {
		return rpc.ErrNoStdin
	}
	stdin := req.Stdin
	if req.StdinSet && stdin == nil {
		stdin = []byte{}
	}
	resp.Stdout, resp.Stderr, resp.Code = jujuc.Run(ctx, req.CommandName, req.Args, stdin)
	return nil
}

// rootedContext is a dirContext whose caller's files are under root.
type rootedContext struct {
	dirContext
	root string
}

func (c rootedContext) FileRoot() string { return c.root }

// dirContext is a Context seen from the calling process's directory.
type dirContext struct {
	jujuc.Context
	dir string
}

func (c dirContext) Dir() string { return c.dir }
