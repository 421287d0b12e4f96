package api

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Backend is the controller as the CLI sees it: one method per verb. The
// controller core implements it; Client implements it over the socket, so
// the CLI runs the same code in-process (tests) and against the daemon.
//
// Errors: the message is shown as `ERROR <message>` and the command exits
// 1, so it should read as Juju's does (`application "x" not found`).
// Return an *Error (or wrap one) to give a Code the client can test with
// errors.Is(err, ErrNotFound) etc. Secrets never go into error text.
//
// Streaming methods call their callback from the calling goroutine, in
// order, before returning; a callback error aborts the call.
type Backend interface {
	// AddModel creates a model; ErrAlreadyExists when it exists.
	AddModel(ctx context.Context, req AddModelRequest) (ModelSummary, error)
	// Models lists the controller's models.
	Models(ctx context.Context) (Models, error)
	// DestroyModel removes a model and everything in it, returning when done.
	DestroyModel(ctx context.Context, req DestroyModelRequest) error
	// ModelConfig returns a model's configuration.
	ModelConfig(ctx context.Context, req ModelConfigRequest) (ModelConfig, error)
	// SetModelConfig sets and resets model configuration; the model's
	// units see the change at once (update-status-hook-interval restarts
	// their update-status timers).
	SetModelConfig(ctx context.Context, req SetModelConfigRequest) error

	// Deploy deploys a charm or a bundle. progress receives the lines
	// Juju's deploy prints, one call per line, without newline:
	//
	//	Located local charm "hydra", revision 0
	//	Deploying "hydra" from local charm "hydra", revision 0 on ubuntu@22.04/stable
	//
	// and for a bundle
	//
	//	Located local charm "hydra", revision 0
	//	Executing changes:
	//	- upload charm ./charms/hydra for base ubuntu@22.04/stable with architecture=amd64
	//	- deploy application hydra on ubuntu@22.04/stable using ./charms/hydra
	//	- add relation hydra:pg-database - postgresql:database
	//	- add unit hydra/0 to new machine 0
	//	Deploy of bundle completed.
	//
	// The client prints "Executing changes:", "Changes to deploy bundle:"
	// and the "- …" change lines on stdout, everything else on stderr,
	// which is where Juju prints each.
	Deploy(ctx context.Context, req DeployRequest, progress func(line string)) (DeployResult, error)
	// Integrate adds a relation.
	Integrate(ctx context.Context, req IntegrateRequest) (IntegrateResult, error)
	// RemoveRelation removes a relation (by endpoints or by ID).
	RemoveRelation(ctx context.Context, req RemoveRelationRequest) error
	// Scale adds (Delta > 0) or removes (Delta < 0) units.
	Scale(ctx context.Context, req ScaleRequest) (ScaleResult, error)
	// RemoveApplication removes applications (or, with DryRun, says what
	// it would remove). Per-application failures are in the results.
	RemoveApplication(ctx context.Context, req RemoveApplicationRequest) ([]RemoveApplicationResult, error)
	// Refresh upgrades an application to the charm at req.Path.
	Refresh(ctx context.Context, req RefreshRequest) (RefreshResult, error)
	// Resolve marks units in error as resolved (retrying the failed hook
	// unless NoRetry).
	Resolve(ctx context.Context, req ResolveRequest) error

	// GetConfig returns an application's configuration.
	GetConfig(ctx context.Context, req GetConfigRequest) (ApplicationConfig, error)
	// SetConfig sets and/or resets configuration.
	SetConfig(ctx context.Context, req SetConfigRequest) error

	// Run enqueues an action on units and returns at once.
	Run(ctx context.Context, req RunRequest) (Operation, error)
	// WaitTask waits for a task to finish as req.Wait says (0: not at
	// all) and returns its state (still pending or running when the wait
	// ran out). progress receives the task's action-log messages, those
	// logged so far first; ErrNotFound ("id not found") for an unknown
	// task.
	WaitTask(ctx context.Context, req WaitTaskRequest, progress func(ActionMessage)) (TaskResult, error)

	// AddSecret adds a model-owned (user) secret.
	AddSecret(ctx context.Context, req AddSecretRequest) (AddSecretResult, error)
	// GrantSecret lets applications read a user secret.
	GrantSecret(ctx context.Context, req GrantSecretRequest) error
	// Secrets lists secret metadata.
	Secrets(ctx context.Context, req SecretsRequest) ([]SecretInfo, error)

	// Status returns the model's full status.
	Status(ctx context.Context, req StatusRequest) (Status, error)
	// ShowUnit returns units with their relation data, in request order.
	ShowUnit(ctx context.Context, req ShowUnitRequest) ([]UnitInfo, error)
	// DebugLog sends log records to emit until the request's end (NoTail,
	// Limit) or ctx is done, then returns nil. An emit error stops it and
	// is returned.
	DebugLog(ctx context.Context, req DebugLogRequest, emit func(LogRecord) error) error
}

// ControllerConfig is what the daemon (`juju-local controller`) knows
// when it builds its Backend.
type ControllerConfig struct {
	// Name is the controller's name ("local").
	Name string
	// StateDir holds the controller's persistent state.
	StateDir string
	// LogFile is where the daemon's own output goes.
	LogFile string
	// SocketPath is the API socket.
	SocketPath string
}

// NewBackend builds the controller. The io.Closer stops it (every unit's
// pod, then the model state) when the daemon exits.
type NewBackend func(ctx context.Context, cfg ControllerConfig) (Backend, io.Closer, error)

// Error codes carried across the socket.
const (
	CodeNotFound      = "not found"
	CodeAlreadyExists = "already exists"
	CodeNotValid      = "not valid"
	CodeNotSupported  = "not supported"
	CodeTimeout       = "timeout"
	CodeNotFoundModel = "model not found"
	CodeUnimplemented = "not implemented"
)

// Sentinels to test codes with errors.Is.
var (
	ErrNotFound      = &Error{Code: CodeNotFound}
	ErrAlreadyExists = &Error{Code: CodeAlreadyExists}
	ErrNotValid      = &Error{Code: CodeNotValid}
	ErrNotSupported  = &Error{Code: CodeNotSupported}
	ErrTimeout       = &Error{Code: CodeTimeout}
	ErrModelNotFound = &Error{Code: CodeNotFoundModel}
	ErrUnimplemented = &Error{Code: CodeUnimplemented}
)

// Error is an error with a code. Its text is Message alone: the code is
// for programs, the message for people.
type Error struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Is matches any *Error with the same code, so errors.Is(err, ErrNotFound)
// holds for every not-found error whatever its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code != "" && t.Code == e.Code
}

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// codeOf is the code of err's first *Error, or "".
func codeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Unimplemented is the placeholder Backend the daemon uses until the
// controller core exists: every call fails with "controller not
// implemented yet".
type Unimplemented struct{}

var errUnimplemented = Errorf(CodeUnimplemented, "controller not implemented yet")

// NewUnimplemented is a NewBackend for Unimplemented.
func NewUnimplemented(context.Context, ControllerConfig) (Backend, io.Closer, error) {
	return Unimplemented{}, nopCloser{}, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

func (Unimplemented) AddModel(context.Context, AddModelRequest) (ModelSummary, error) {
	return ModelSummary{}, errUnimplemented
}
func (Unimplemented) Models(context.Context) (Models, error) { return Models{}, errUnimplemented }
func (Unimplemented) DestroyModel(context.Context, DestroyModelRequest) error {
	return errUnimplemented
}
func (Unimplemented) ModelConfig(context.Context, ModelConfigRequest) (ModelConfig, error) {
	return nil, errUnimplemented
}
func (Unimplemented) SetModelConfig(context.Context, SetModelConfigRequest) error {
	return errUnimplemented
}
func (Unimplemented) Deploy(context.Context, DeployRequest, func(string)) (DeployResult, error) {
	return DeployResult{}, errUnimplemented
}
func (Unimplemented) Integrate(context.Context, IntegrateRequest) (IntegrateResult, error) {
	return IntegrateResult{}, errUnimplemented
}
func (Unimplemented) RemoveRelation(context.Context, RemoveRelationRequest) error {
	return errUnimplemented
}
func (Unimplemented) Scale(context.Context, ScaleRequest) (ScaleResult, error) {
	return ScaleResult{}, errUnimplemented
}
func (Unimplemented) RemoveApplication(context.Context, RemoveApplicationRequest) ([]RemoveApplicationResult, error) {
	return nil, errUnimplemented
}
func (Unimplemented) Refresh(context.Context, RefreshRequest) (RefreshResult, error) {
	return RefreshResult{}, errUnimplemented
}
func (Unimplemented) Resolve(context.Context, ResolveRequest) error { return errUnimplemented }
func (Unimplemented) GetConfig(context.Context, GetConfigRequest) (ApplicationConfig, error) {
	return ApplicationConfig{}, errUnimplemented
}
func (Unimplemented) SetConfig(context.Context, SetConfigRequest) error { return errUnimplemented }
func (Unimplemented) Run(context.Context, RunRequest) (Operation, error) {
	return Operation{}, errUnimplemented
}
func (Unimplemented) WaitTask(context.Context, WaitTaskRequest, func(ActionMessage)) (TaskResult, error) {
	return TaskResult{}, errUnimplemented
}
func (Unimplemented) AddSecret(context.Context, AddSecretRequest) (AddSecretResult, error) {
	return AddSecretResult{}, errUnimplemented
}
func (Unimplemented) GrantSecret(context.Context, GrantSecretRequest) error { return errUnimplemented }
func (Unimplemented) Secrets(context.Context, SecretsRequest) ([]SecretInfo, error) {
	return nil, errUnimplemented
}
func (Unimplemented) Status(context.Context, StatusRequest) (Status, error) {
	return Status{}, errUnimplemented
}
func (Unimplemented) ShowUnit(context.Context, ShowUnitRequest) ([]UnitInfo, error) {
	return nil, errUnimplemented
}
func (Unimplemented) DebugLog(context.Context, DebugLogRequest, func(LogRecord) error) error {
	return errUnimplemented
}
