// Package apitest is a programmable api.Backend for tests: each method
// calls its Func field when set and otherwise fails as the placeholder
// controller does; every call is recorded.
package apitest

import (
	"context"
	"sync"

	"github.com/identity-platform-go/charms/internal/controller/api"
)

// Call is one recorded call: the method name and its request.
type Call struct {
	Method  string
	Request any
}

// Fake is an api.Backend whose methods are its Func fields.
type Fake struct {
	mu                    sync.Mutex
	calls                 []Call
	AddModelFunc          func(context.Context, api.AddModelRequest) (api.ModelSummary, error)
	ModelsFunc            func(context.Context) (api.Models, error)
	DestroyModelFunc      func(context.Context, api.DestroyModelRequest) error
	ModelConfigFunc       func(context.Context, api.ModelConfigRequest) (api.ModelConfig, error)
	SetModelConfigFunc    func(context.Context, api.SetModelConfigRequest) error
	DeployFunc            func(context.Context, api.DeployRequest, func(string)) (api.DeployResult, error)
	IntegrateFunc         func(context.Context, api.IntegrateRequest) (api.IntegrateResult, error)
	RemoveRelationFunc    func(context.Context, api.RemoveRelationRequest) error
	ScaleFunc             func(context.Context, api.ScaleRequest) (api.ScaleResult, error)
	RemoveApplicationFunc func(context.Context, api.RemoveApplicationRequest) ([]api.RemoveApplicationResult, error)
	RefreshFunc           func(context.Context, api.RefreshRequest) (api.RefreshResult, error)
	ResolveFunc           func(context.Context, api.ResolveRequest) error
	GetConfigFunc         func(context.Context, api.GetConfigRequest) (api.ApplicationConfig, error)
	SetConfigFunc         func(context.Context, api.SetConfigRequest) error
	RunFunc               func(context.Context, api.RunRequest) (api.Operation, error)
	WaitTaskFunc          func(context.Context, api.WaitTaskRequest, func(api.ActionMessage)) (api.TaskResult, error)
	AddSecretFunc         func(context.Context, api.AddSecretRequest) (api.AddSecretResult, error)
	GrantSecretFunc       func(context.Context, api.GrantSecretRequest) error
	SecretsFunc           func(context.Context, api.SecretsRequest) ([]api.SecretInfo, error)
	StatusFunc            func(context.Context, api.StatusRequest) (api.Status, error)
	ShowUnitFunc          func(context.Context, api.ShowUnitRequest) ([]api.UnitInfo, error)
	DebugLogFunc          func(context.Context, api.DebugLogRequest, func(api.LogRecord) error) error
}

var _ api.Backend = (*Fake)(nil)

func (f *Fake) record(method string, req any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, Call{Method: method, Request: req})
}

// Calls returns the calls so far, in order.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// AddModel implements api.Backend.
func (f *Fake) AddModel(ctx context.Context, req api.AddModelRequest) (api.ModelSummary, error) {
	f.record("AddModel", req)
	if f.AddModelFunc != nil {
		return f.AddModelFunc(ctx, req)
	}
	return api.Unimplemented{}.AddModel(ctx, req)
}

// Models implements api.Backend.
func (f *Fake) Models(ctx context.Context) (api.Models, error) {
	f.record("Models", nil)
	if f.ModelsFunc != nil {
		return f.ModelsFunc(ctx)
	}
	return api.Unimplemented{}.Models(ctx)
}

// DestroyModel implements api.Backend.
func (f *Fake) DestroyModel(ctx context.Context, req api.DestroyModelRequest) error {
	f.record("DestroyModel", req)
	if f.DestroyModelFunc != nil {
		return f.DestroyModelFunc(ctx, req)
	}
	return api.Unimplemented{}.DestroyModel(ctx, req)
}

// ModelConfig implements api.Backend.
func (f *Fake) ModelConfig(ctx context.Context, req api.ModelConfigRequest) (api.ModelConfig, error) {
	f.record("ModelConfig", req)
	if f.ModelConfigFunc != nil {
		return f.ModelConfigFunc(ctx, req)
	}
	return api.Unimplemented{}.ModelConfig(ctx, req)
}

// SetModelConfig implements api.Backend.
func (f *Fake) SetModelConfig(ctx context.Context, req api.SetModelConfigRequest) error {
	f.record("SetModelConfig", req)
	if f.SetModelConfigFunc != nil {
		return f.SetModelConfigFunc(ctx, req)
	}
	return api.Unimplemented{}.SetModelConfig(ctx, req)
}

// Integrate implements api.Backend.
func (f *Fake) Integrate(ctx context.Context, req api.IntegrateRequest) (api.IntegrateResult, error) {
	f.record("Integrate", req)
	if f.IntegrateFunc != nil {
		return f.IntegrateFunc(ctx, req)
	}
	return api.Unimplemented{}.Integrate(ctx, req)
}

// RemoveRelation implements api.Backend.
func (f *Fake) RemoveRelation(ctx context.Context, req api.RemoveRelationRequest) error {
	f.record("RemoveRelation", req)
	if f.RemoveRelationFunc != nil {
		return f.RemoveRelationFunc(ctx, req)
	}
	return api.Unimplemented{}.RemoveRelation(ctx, req)
}

// Scale implements api.Backend.
func (f *Fake) Scale(ctx context.Context, req api.ScaleRequest) (api.ScaleResult, error) {
	f.record("Scale", req)
	if f.ScaleFunc != nil {
		return f.ScaleFunc(ctx, req)
	}
	return api.Unimplemented{}.Scale(ctx, req)
}

// RemoveApplication implements api.Backend.
func (f *Fake) RemoveApplication(ctx context.Context, req api.RemoveApplicationRequest) ([]api.RemoveApplicationResult, error) {
	f.record("RemoveApplication", req)
	if f.RemoveApplicationFunc != nil {
		return f.RemoveApplicationFunc(ctx, req)
	}
	return api.Unimplemented{}.RemoveApplication(ctx, req)
}

// Refresh implements api.Backend.
func (f *Fake) Refresh(ctx context.Context, req api.RefreshRequest) (api.RefreshResult, error) {
	f.record("Refresh", req)
	if f.RefreshFunc != nil {
		return f.RefreshFunc(ctx, req)
	}
	return api.Unimplemented{}.Refresh(ctx, req)
}

// Resolve implements api.Backend.
func (f *Fake) Resolve(ctx context.Context, req api.ResolveRequest) error {
	f.record("Resolve", req)
	if f.ResolveFunc != nil {
		return f.ResolveFunc(ctx, req)
	}
	return api.Unimplemented{}.Resolve(ctx, req)
}

// GetConfig implements api.Backend.
func (f *Fake) GetConfig(ctx context.Context, req api.GetConfigRequest) (api.ApplicationConfig, error) {
	f.record("GetConfig", req)
	if f.GetConfigFunc != nil {
		return f.GetConfigFunc(ctx, req)
	}
	return api.Unimplemented{}.GetConfig(ctx, req)
}

// SetConfig implements api.Backend.
func (f *Fake) SetConfig(ctx context.Context, req api.SetConfigRequest) error {
	f.record("SetConfig", req)
	if f.SetConfigFunc != nil {
		return f.SetConfigFunc(ctx, req)
	}
	return api.Unimplemented{}.SetConfig(ctx, req)
}

// Run implements api.Backend.
func (f *Fake) Run(ctx context.Context, req api.RunRequest) (api.Operation, error) {
	f.record("Run", req)
	if f.RunFunc != nil {
		return f.RunFunc(ctx, req)
	}
	return api.Unimplemented{}.Run(ctx, req)
}

// AddSecret implements api.Backend.
func (f *Fake) AddSecret(ctx context.Context, req api.AddSecretRequest) (api.AddSecretResult, error) {
	f.record("AddSecret", req)
	if f.AddSecretFunc != nil {
		return f.AddSecretFunc(ctx, req)
	}
	return api.Unimplemented{}.AddSecret(ctx, req)
}

// GrantSecret implements api.Backend.
func (f *Fake) GrantSecret(ctx context.Context, req api.GrantSecretRequest) error {
	f.record("GrantSecret", req)
	if f.GrantSecretFunc != nil {
		return f.GrantSecretFunc(ctx, req)
	}
	return api.Unimplemented{}.GrantSecret(ctx, req)
}

// Secrets implements api.Backend.
func (f *Fake) Secrets(ctx context.Context, req api.SecretsRequest) ([]api.SecretInfo, error) {
	f.record("Secrets", req)
	if f.SecretsFunc != nil {
		return f.SecretsFunc(ctx, req)
	}
	return api.Unimplemented{}.Secrets(ctx, req)
}

// Status implements api.Backend.
func (f *Fake) Status(ctx context.Context, req api.StatusRequest) (api.Status, error) {
	f.record("Status", req)
	if f.StatusFunc != nil {
		return f.StatusFunc(ctx, req)
	}
	return api.Unimplemented{}.Status(ctx, req)
}

// ShowUnit implements api.Backend.
func (f *Fake) ShowUnit(ctx context.Context, req api.ShowUnitRequest) ([]api.UnitInfo, error) {
	f.record("ShowUnit", req)
	if f.ShowUnitFunc != nil {
		return f.ShowUnitFunc(ctx, req)
	}
	return api.Unimplemented{}.ShowUnit(ctx, req)
}

// DebugLog implements api.Backend.
func (f *Fake) DebugLog(ctx context.Context, req api.DebugLogRequest, emit func(api.LogRecord) error) error {
	f.record("DebugLog", req)
	if f.DebugLogFunc != nil {
		return f.DebugLogFunc(ctx, req, emit)
	}
	return api.Unimplemented{}.DebugLog(ctx, req, emit)
}

// Deploy implements api.Backend.
func (f *Fake) Deploy(ctx context.Context, req api.DeployRequest, progress func(string)) (api.DeployResult, error) {
	f.record("Deploy", req)
	if f.DeployFunc != nil {
		return f.DeployFunc(ctx, req, progress)
	}
	return api.Unimplemented{}.Deploy(ctx, req, progress)
}

// WaitTask implements api.Backend.
func (f *Fake) WaitTask(ctx context.Context, req api.WaitTaskRequest, progress func(api.ActionMessage)) (api.TaskResult, error) {
	f.record("WaitTask", req)
	if f.WaitTaskFunc != nil {
		return f.WaitTaskFunc(ctx, req, progress)
	}
	return api.Unimplemented{}.WaitTask(ctx, req, progress)
}
