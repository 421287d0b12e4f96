package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// The wire protocol is HTTP/1.1 over the unix socket:
//
//	GET  /v1/controller        → ControllerInfo (answered without the Backend)
//	POST /v1/<method>          → {"result": …} or {"error": {"code", "message"}}
//
// Streaming methods (deploy, wait-task, debug-log) answer with newline-
// delimited JSON: zero or more {"event": …} lines, flushed one by one,
// then one {"result": …} or {"error": …} line. Closing the connection
// cancels the call's context.

// frame is one JSON object on the wire.
type frame struct {
	Event  json.RawMessage `json:"event,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// Server serves a Backend.
type Server struct {
	mux  *http.ServeMux
	http *http.Server
}

// NewServer routes every Backend method; info is what GET /v1/controller
// answers.
func NewServer(b Backend, info ControllerInfo) *Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/controller", func(w http.ResponseWriter, r *http.Request) {
		writeFrame(w, info, nil)
	})
	unary(mux, "add-model", b.AddModel)
	unary(mux, "models", func(ctx context.Context, _ struct{}) (Models, error) { return b.Models(ctx) })
	unary(mux, "destroy-model", noResult(b.DestroyModel))
	unary(mux, "model-config", b.ModelConfig)
	unary(mux, "set-model-config", noResult(b.SetModelConfig))
	stream(mux, "deploy", func(ctx context.Context, req DeployRequest, emit func(string) error) (DeployResult, error) {
		return b.Deploy(ctx, req, func(line string) { _ = emit(line) })
	})
	unary(mux, "integrate", b.Integrate)
	unary(mux, "remove-relation", noResult(b.RemoveRelation))
	unary(mux, "scale", b.Scale)
	unary(mux, "remove-application", b.RemoveApplication)
	unary(mux, "refresh", b.Refresh)
	unary(mux, "resolve", noResult(b.Resolve))
	unary(mux, "get-config", b.GetConfig)
	unary(mux, "set-config", noResult(b.SetConfig))
	unary(mux, "run", b.Run)
	stream(mux, "wait-task", func(ctx context.Context, req WaitTaskRequest, emit func(ActionMessage) error) (TaskResult, error) {
		return b.WaitTask(ctx, req, func(m ActionMessage) { _ = emit(m) })
	})
	unary(mux, "add-secret", b.AddSecret)
	unary(mux, "grant-secret", noResult(b.GrantSecret))
	unary(mux, "secrets", b.Secrets)
	unary(mux, "status", b.Status)
	unary(mux, "show-unit", b.ShowUnit)
	stream(mux, "debug-log", func(ctx context.Context, req DebugLogRequest, emit func(LogRecord) error) (struct{}, error) {
		return struct{}{}, b.DebugLog(ctx, req, emit)
	})
	return &Server{
		mux:  mux,
		http: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
	}
}

// Serve answers on l until Shutdown or Close; it returns nil after those.
func (s *Server) Serve(l net.Listener) error {
	if err := s.http.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting calls and waits for running ones until ctx is
// done; then Close cuts the rest (debug-log followers never end by
// themselves).
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if err != nil {
		_ = s.http.Close()
	}
	return err
}

// Close cuts every connection at once.
func (s *Server) Close() error { return s.http.Close() }

// ServeHTTP makes a Server usable as a plain handler (tests).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Serve serves b on l until l is closed.
func Serve(l net.Listener, b Backend) error {
	return NewServer(b, ControllerInfo{}).Serve(l)
}

func noResult[Req any](fn func(context.Context, Req) error) func(context.Context, Req) (struct{}, error) {
	return func(ctx context.Context, req Req) (struct{}, error) { return struct{}{}, fn(ctx, req) }
}

// maxRequest bounds a request body: requests are small (a bundle is sent
// as a path, not as content).
const maxRequest = 16 << 20

func decodeRequest[Req any](w http.ResponseWriter, r *http.Request) (Req, bool) {
	var req Req
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequest))
	if err := dec.Decode(&req); err != nil {
		writeFrame[any](w, nil, Errorf(CodeNotValid, "decoding request: %v", err))
		return req, false
	}
	return req, true
}

func unary[Req, Res any](mux *http.ServeMux, name string, fn func(context.Context, Req) (Res, error)) {
	mux.HandleFunc("POST /v1/"+name, func(w http.ResponseWriter, r *http.Request) {
		req, ok := decodeRequest[Req](w, r)
		if !ok {
			return
		}
		res, err := fn(r.Context(), req)
		writeFrame(w, res, err)
	})
}

func stream[Req, Ev, Res any](mux *http.ServeMux, name string, fn func(context.Context, Req, func(Ev) error) (Res, error)) {
	mux.HandleFunc("POST /v1/"+name, func(w http.ResponseWriter, r *http.Request) {
		req, ok := decodeRequest[Req](w, r)
		if !ok {
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		flusher, _ := w.(http.Flusher)
		enc := json.NewEncoder(w)
		var writeErr error
		emit := func(ev Ev) error {
			if writeErr != nil {
				return writeErr
			}
			raw, err := json.Marshal(ev)
			if err != nil {
				return fmt.Errorf("encoding event: %w", err)
			}
			if writeErr = enc.Encode(frame{Event: raw}); writeErr != nil {
				return writeErr
			}
			if flusher != nil {
				flusher.Flush()
			}
			return nil
		}
		res, err := fn(r.Context(), req, emit)
		if writeErr != nil {
			return // the client is gone
		}
		_ = enc.Encode(resultFrame(res, err))
	})
}

func resultFrame[Res any](res Res, err error) frame {
	if err != nil {
		return frame{Error: &Error{Code: codeOf(err), Message: err.Error()}}
	}
	raw, merr := json.Marshal(res)
	if merr != nil {
		return frame{Error: &Error{Message: fmt.Sprintf("encoding result: %v", merr)}}
	}
	return frame{Result: raw}
}

func writeFrame[Res any](w http.ResponseWriter, res Res, err error) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resultFrame(res, err))
}
