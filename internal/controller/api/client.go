package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
)

// Client is a Backend over the controller's socket.
type Client struct {
	socket string
	http   *http.Client
}

var _ Backend = (*Client)(nil)

// Dial returns a client for the socket at path. It does not connect:
// each call does, so a client outlives a controller restart.
func Dial(path string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		// One controller, a handful of calls: keep it simple.
		MaxIdleConns:       2,
		DisableCompression: true,
	}
	return &Client{socket: path, http: &http.Client{Transport: tr}}
}

// Close drops idle connections.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	return nil
}

// NotRunningError is a call that could not reach the controller.
type NotRunningError struct {
	Socket string
	Err    error
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("cannot connect to the controller at %s (is it bootstrapped? see juju-local bootstrap): %v", e.Socket, e.Err)
}

func (e *NotRunningError) Unwrap() error { return e.Err }

// Info asks the daemon about itself; it is how bootstrap sees the
// controller is up.
func (c *Client) Info(ctx context.Context) (ControllerInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://juju-local/v1/controller", nil)
	if err != nil {
		return ControllerInfo{}, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return ControllerInfo{}, &NotRunningError{Socket: c.socket, Err: unwrapURL(err)}
	}
	defer resp.Body.Close()
	var info ControllerInfo
	return info, readFrame(resp.Body, &info)
}

func (c *Client) post(ctx context.Context, method string, req any) (*http.Response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encoding %s request: %w", method, err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://juju-local/v1/"+method, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &NotRunningError{Socket: c.socket, Err: unwrapURL(err)}
	}
	return resp, nil
}

// unwrapURL drops net/http's `Post "http://juju-local/v1/x":` prefix,
// which names a URL nobody typed.
func unwrapURL(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

func readFrame(r io.Reader, res any) error {
	var f frame
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return fmt.Errorf("reading controller answer: %w", err)
	}
	return f.into(res)
}

func (f frame) into(res any) error {
	if f.Error != nil {
		return f.Error
	}
	if res == nil || len(f.Result) == 0 {
		return nil
	}
	if err := json.Unmarshal(f.Result, res); err != nil {
		return fmt.Errorf("decoding controller answer: %w", err)
	}
	return nil
}

func call[Res any](c *Client, ctx context.Context, method string, req any) (Res, error) {
	var res Res
	resp, err := c.post(ctx, method, req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	err = readFrame(resp.Body, &res)
	return res, err
}

func callStream[Ev, Res any](c *Client, ctx context.Context, method string, req any, onEvent func(Ev) error) (Res, error) {
	var res Res
	resp, err := c.post(ctx, method, req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 64<<20)
	for sc.Scan() {
		var f frame
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			return res, fmt.Errorf("reading controller answer: %w", err)
		}
		if f.Event == nil {
			return res, f.into(&res)
		}
		var ev Ev
		if err := json.Unmarshal(f.Event, &ev); err != nil {
			return res, fmt.Errorf("decoding controller event: %w", err)
		}
		if err := onEvent(ev); err != nil {
			return res, err
		}
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if err := sc.Err(); err != nil {
		return res, fmt.Errorf("reading controller answer: %w", err)
	}
	return res, errors.New("controller closed the connection before answering")
}

func (c *Client) AddModel(ctx context.Context, req AddModelRequest) (ModelSummary, error) {
	return call[ModelSummary](c, ctx, "add-model", req)
}

func (c *Client) Models(ctx context.Context) (Models, error) {
	return call[Models](c, ctx, "models", struct{}{})
}

func (c *Client) DestroyModel(ctx context.Context, req DestroyModelRequest) error {
	_, err := call[struct{}](c, ctx, "destroy-model", req)
	return err
}

func (c *Client) ModelConfig(ctx context.Context, req ModelConfigRequest) (ModelConfig, error) {
	return call[ModelConfig](c, ctx, "model-config", req)
}

func (c *Client) SetModelConfig(ctx context.Context, req SetModelConfigRequest) error {
	_, err := call[struct{}](c, ctx, "set-model-config", req)
	return err
}

func (c *Client) Deploy(ctx context.Context, req DeployRequest, progress func(string)) (DeployResult, error) {
	return callStream[string, DeployResult](c, ctx, "deploy", req, func(line string) error {
		if progress != nil {
			progress(line)
		}
		return nil
	})
}

func (c *Client) Integrate(ctx context.Context, req IntegrateRequest) (IntegrateResult, error) {
	return call[IntegrateResult](c, ctx, "integrate", req)
}

func (c *Client) RemoveRelation(ctx context.Context, req RemoveRelationRequest) error {
	_, err := call[struct{}](c, ctx, "remove-relation", req)
	return err
}

func (c *Client) Scale(ctx context.Context, req ScaleRequest) (ScaleResult, error) {
	return call[ScaleResult](c, ctx, "scale", req)
}

func (c *Client) RemoveApplication(ctx context.Context, req RemoveApplicationRequest) ([]RemoveApplicationResult, error) {
	return call[[]RemoveApplicationResult](c, ctx, "remove-application", req)
}

func (c *Client) Refresh(ctx context.Context, req RefreshRequest) (RefreshResult, error) {
	return call[RefreshResult](c, ctx, "refresh", req)
}

func (c *Client) Resolve(ctx context.Context, req ResolveRequest) error {
	_, err := call[struct{}](c, ctx, "resolve", req)
	return err
}

func (c *Client) GetConfig(ctx context.Context, req GetConfigRequest) (ApplicationConfig, error) {
	return call[ApplicationConfig](c, ctx, "get-config", req)
}

func (c *Client) SetConfig(ctx context.Context, req SetConfigRequest) error {
	_, err := call[struct{}](c, ctx, "set-config", req)
	return err
}

func (c *Client) Run(ctx context.Context, req RunRequest) (Operation, error) {
	return call[Operation](c, ctx, "run", req)
}

func (c *Client) WaitTask(ctx context.Context, req WaitTaskRequest, progress func(ActionMessage)) (TaskResult, error) {
	return callStream[ActionMessage, TaskResult](c, ctx, "wait-task", req, func(m ActionMessage) error {
		if progress != nil {
			progress(m)
		}
		return nil
	})
}

func (c *Client) AddSecret(ctx context.Context, req AddSecretRequest) (AddSecretResult, error) {
	return call[AddSecretResult](c, ctx, "add-secret", req)
}

func (c *Client) GrantSecret(ctx context.Context, req GrantSecretRequest) error {
	_, err := call[struct{}](c, ctx, "grant-secret", req)
	return err
}

func (c *Client) Secrets(ctx context.Context, req SecretsRequest) ([]SecretInfo, error) {
	return call[[]SecretInfo](c, ctx, "secrets", req)
}

func (c *Client) Status(ctx context.Context, req StatusRequest) (Status, error) {
	return call[Status](c, ctx, "status", req)
}

func (c *Client) ShowUnit(ctx context.Context, req ShowUnitRequest) ([]UnitInfo, error) {
	return call[[]UnitInfo](c, ctx, "show-unit", req)
}

func (c *Client) DebugLog(ctx context.Context, req DebugLogRequest, emit func(LogRecord) error) error {
	_, err := callStream[LogRecord, struct{}](c, ctx, "debug-log", req, emit)
	if err != nil && errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil // the caller stopped following
	}
	return err
}
