package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/controller/api/apitest"
)

func configFake() *apitest.Fake {
	return &apitest.Fake{
		GetConfigFunc: func(_ context.Context, req api.GetConfigRequest) (api.ApplicationConfig, error) {
			if req.Application != "hydra" {
				return api.ApplicationConfig{}, api.Errorf(api.CodeNotFound, "application %q not found", req.Application)
			}
			return api.ApplicationConfig{
				Application: "hydra", Charm: "hydra",
				Settings: map[string]api.ConfigSetting{
					"dev":       {Default: false, Description: "Run Hydra in dev mode", Source: "default", Type: "boolean", Value: false},
					"log_level": {Default: "info", Description: "Log level", Source: "user", Type: "string", Value: "debug"},
					"jwt_key":   {Description: "No default", Source: "unset", Type: "string"},
					"port":      {Default: 4444.0, Description: "Public port", Source: "default", Type: "int", Value: 4444.0},
				},
				ApplicationConfig: map[string]api.ConfigSetting{
					"trust": {Default: false, Description: "Does this application have access to trusted credentials", Source: "user", Type: "bool", Value: true},
				},
			}, nil
		},
		SetConfigFunc: func(context.Context, api.SetConfigRequest) error { return nil },
	}
}

func runFake(status, message string, output map[string]any) *apitest.Fake {
	return &apitest.Fake{
		RunFunc: func(_ context.Context, req api.RunRequest) (api.Operation, error) {
			return api.Operation{ID: "1", Tasks: []api.Task{{ID: "2", Receiver: "unit-kratos-external-idp-integrator-0"}}}, nil
		},
		WaitTaskFunc: func(_ context.Context, req api.WaitTaskRequest, progress func(api.ActionMessage)) (api.TaskResult, error) {
			if status == "completed" || status == "failed" {
				progress(api.ActionMessage{Timestamp: t0.Add(time.Second), Message: "looking up the redirect URI"})
			}
			return api.TaskResult{
				ID: req.ID, Receiver: "unit-kratos-external-idp-integrator-0", Action: "get-redirect-uri", Status: status, Message: message,
				Output:   output,
				Log:      []api.ActionMessage{{Timestamp: t0.Add(time.Second), Message: "looking up the redirect URI"}},
				Enqueued: t0, Started: t0.Add(time.Second), Completed: t0.Add(2 * time.Second),
			}, nil
		},
	}
}

// showTaskFake has task 2: in state first when fetched (Wait 0), in
// state then after a wait, with one log line.
func showTaskFake(first, then string) *apitest.Fake {
	return &apitest.Fake{WaitTaskFunc: func(_ context.Context, req api.WaitTaskRequest, progress func(api.ActionMessage)) (api.TaskResult, error) {
		if req.ID != "2" {
			return api.TaskResult{}, api.Errorf(api.CodeNotFound, "id not found")
		}
		logged := api.ActionMessage{Timestamp: t0.Add(time.Second), Message: "looking up the redirect URI"}
		if progress != nil {
			progress(logged)
		}
		status := first
		if req.Wait != 0 {
			status = then
		}
		res := api.TaskResult{ID: "2", Receiver: "unit-kratos-external-idp-integrator-0", Action: "get-redirect-uri", Status: status,
			Log: []api.ActionMessage{logged}, Enqueued: t0, Started: t0.Add(time.Second)}
		switch status {
		case "completed":
			res.Output = map[string]any{"redirect-uri": "https://x/cb", "return-code": 0.0, "stdout": "hello\r\n"}
			res.Completed = t0.Add(2 * time.Second)
		case "failed":
			res.Message = "exit status 2"
			res.Output = map[string]any{"return-code": 2.0, "stderr": "panic: boom\n"}
			res.Completed = t0.Add(2 * time.Second)
		}
		return res, nil
	}}
}

// waitedOnce checks show-task fetched the task once, without waiting.
func waitedOnce(t *testing.T, f *apitest.Fake) {
	t.Helper()
	var reqs []api.WaitTaskRequest
	for _, c := range f.Calls() {
		if c.Method == "WaitTask" {
			reqs = append(reqs, c.Request.(api.WaitTaskRequest))
		}
	}
	if len(reqs) != 1 || reqs[0] != (api.WaitTaskRequest{Model: "default", ID: "2"}) {
		t.Errorf("WaitTask calls = %+v, want one with Wait 0", reqs)
	}
}

// twoTasksFake runs an action on hydra/0 and hydra/1: both fail, with
// return codes 1 and 2.
func twoTasksFake() *apitest.Fake {
	return &apitest.Fake{
		RunFunc: func(context.Context, api.RunRequest) (api.Operation, error) {
			return api.Operation{ID: "5", Tasks: []api.Task{{ID: "6", Receiver: "unit-hydra-0"}, {ID: "7", Receiver: "unit-hydra-1"}}}, nil
		},
		WaitTaskFunc: func(_ context.Context, req api.WaitTaskRequest, _ func(api.ActionMessage)) (api.TaskResult, error) {
			code, unit := 1.0, "unit-hydra-0"
			if req.ID == "7" {
				code, unit = 2.0, "unit-hydra-1"
			}
			return api.TaskResult{ID: req.ID, Receiver: unit, Action: "create-oauth-client", Status: "failed",
				Message:  fmt.Sprintf("exit status %d", int(code)),
				Output:   map[string]any{"return-code": code, "stderr": "Traceback: KeyError\n"},
				Enqueued: t0, Started: t0.Add(time.Second), Completed: t0.Add(2 * time.Second)}, nil
		},
	}
}

func showUnitFake() *apitest.Fake {
	return &apitest.Fake{ShowUnitFunc: func(_ context.Context, req api.ShowUnitRequest) ([]api.UnitInfo, error) {
		return []api.UnitInfo{{
			Name: "hydra/0", WorkloadVersion: "2.3.0", OpenedPorts: []string{"4444/tcp"}, Charm: "local:hydra-0", Leader: true,
			Life: "alive", ProviderID: "hydra-0", Address: "10.1.0.5",
			RelationData: []api.EndpointRelationData{
				{RelationID: 1, Endpoint: "pg-database", RelatedEndpoint: "database",
					ApplicationData: map[string]any{"endpoints": "10.1.0.6:5432", "username": "relation-1"},
					UnitRelationData: map[string]api.RelationUnitData{
						"hydra/0":       {InScope: true, UnitData: map[string]any{"egress-subnets": "10.1.0.5/32"}},
						"postgresql/10": {InScope: true, UnitData: map[string]any{"ingress-address": "10.1.0.9"}},
						"postgresql/2":  {InScope: false, UnitData: map[string]any{}},
					}},
				{RelationID: 0, Endpoint: "hydra", RelatedEndpoint: "hydra",
					ApplicationData:  map[string]any{},
					UnitRelationData: map[string]api.RelationUnitData{"hydra/0": {InScope: true, UnitData: map[string]any{}}}},
			},
		}}, nil
	}}
}

func cliCases() []cliCase {
	abs, _ := filepath.Abs("testdata")
	return []cliCase{
		// The command line itself.
		{name: "unknown command, close", args: []string{"stauts"}, code: 1,
			stderr: "ERROR juju-local: \"stauts\" is not a juju-local command. See \"juju-local --help\".\n\nDid you mean:\n\tstatus\n"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 1,
			stderr: "ERROR unrecognized command: juju-local frobnicate\n"},
		{name: "bad flag", args: []string{"status", "--bogus"}, code: 2,
			stderr: "ERROR option provided but not defined: --bogus\n"},
		{name: "bad format", args: []string{"status", "--format", "xml"}, code: 2,
			stderr: "ERROR invalid value \"xml\" for option --format: unknown format \"xml\"\n"},
		{name: "help status", args: []string{"help", "status"}, stdout: "golden:help-status"},
		{name: "status --help", args: []string{"status", "--help"}, stdout: "golden:help-status"},
		{name: "help resolve alias", args: []string{"help", "resolve"}, stdout: "golden:help-resolved"},
		{name: "top help", args: []string{}, stdout: "golden:help"},

		// status
		{name: "status", args: []string{"status"}, fake: statusFake, stdout: "golden:status-tabular"},
		{name: "status relations", args: []string{"status", "--relations"}, fake: statusFake, stdout: "golden:status-relations"},
		{name: "status yaml", args: []string{"status", "--format", "yaml"}, fake: statusFake, stdout: "golden:status-yaml"},
		{name: "status json", args: []string{"status", "--format=json", "--relations"}, fake: statusFake, stdout: "golden:status-json",
			stderr: "provided relations option is always enabled in non tabular formats\n"},
		{name: "status unknown model", args: []string{"status", "-m", "local:nope"}, fake: statusFake, code: 1,
			stderr: "ERROR model \"nope\" not found\n"},
		{name: "status model from env", args: []string{"status"}, env: map[string]string{"JUJU_MODEL": "nope"}, fake: statusFake, code: 1,
			stderr: "ERROR model \"nope\" not found\n"},
		{name: "status empty model", args: []string{"status"}, fake: func() *apitest.Fake {
			return &apitest.Fake{StatusFunc: func(context.Context, api.StatusRequest) (api.Status, error) {
				st := sampleStatus()
				st.Applications, st.Relations = nil, nil
				return st, nil
			}}
		}, stdout: "golden:status-empty", stderr: "\nModel \"default\" is empty.\n"},

		// deploy
		{name: "deploy bundle", args: []string{"deploy", "./testdata", "--trust"}, fake: func() *apitest.Fake {
			return &apitest.Fake{DeployFunc: func(_ context.Context, req api.DeployRequest, progress func(string)) (api.DeployResult, error) {
				for _, l := range []string{
					`Located local charm "hydra", revision 0`,
					"Executing changes:",
					"- upload charm ./charms/hydra for base ubuntu@22.04/stable with architecture=amd64",
					"- deploy application hydra on ubuntu@22.04/stable using ./charms/hydra",
					"- add relation hydra:pg-database - postgresql:database",
					"Deploy of bundle completed.",
				} {
					progress(l)
				}
				return api.DeployResult{Applications: []string{"hydra"}}, nil
			}}
		},
			stdout: "Executing changes:\n- upload charm ./charms/hydra for base ubuntu@22.04/stable with architecture=amd64\n- deploy application hydra on ubuntu@22.04/stable using ./charms/hydra\n- add relation hydra:pg-database - postgresql:database\n",
			stderr: "Located local charm \"hydra\", revision 0\nDeploy of bundle completed.\n",
			check: func(t *testing.T, f *apitest.Fake) {
				req := lastRequest(t, f, "Deploy").(api.DeployRequest)
				want := api.DeployRequest{Model: "default", Path: abs, NumUnits: 1, Trust: true}
				if !reflect.DeepEqual(req, want) {
					t.Errorf("request = %+v, want %+v", req, want)
				}
			}},
		{name: "deploy charm with flags", args: []string{"deploy", "testdata", "hydra2", "-m", "dev", "-n", "2",
			"--config", "dev=true", "--config", "testdata/cfg.yaml", "--config", "key=@testdata/key.pem", "--resource", "oci-image=ghcr.io/x:1"},
			fake: func() *apitest.Fake {
				return &apitest.Fake{DeployFunc: func(context.Context, api.DeployRequest, func(string)) (api.DeployResult, error) {
					return api.DeployResult{}, nil
				}}
			},
			check: func(t *testing.T, f *apitest.Fake) {
				req := lastRequest(t, f, "Deploy").(api.DeployRequest)
				want := api.DeployRequest{Model: "dev", Path: abs, ApplicationName: "hydra2", NumUnits: 2, NumUnitsSet: true,
					ConfigFlags: []string{"dev=true", filepath.Join(abs, "cfg.yaml"), "key=@" + filepath.Join(abs, "key.pem")},
					Resources:   map[string]string{"oci-image": "ghcr.io/x:1"}}
				if !reflect.DeepEqual(req, want) {
					t.Errorf("request = %+v\nwant %+v", req, want)
				}
			}},
		{name: "deploy nothing", args: []string{"deploy"}, code: 2, stderr: "ERROR no charm or bundle specified\n"},
		{name: "deploy -n 0", args: []string{"deploy", "./x", "-n", "0"}, code: 2, stderr: "ERROR --num-units must be a positive integer\n"},
		{name: "deploy bad resource", args: []string{"deploy", "./x", "--resource", "img"}, code: 2,
			stderr: "ERROR invalid value \"img\" for option --resource: badly formatted name value pair: img\n"},
		{name: "deploy from charmhub", args: []string{"deploy", "postgresql-k8s"}, code: 1,
			stderr: "ERROR cannot deploy \"postgresql-k8s\" from Charmhub: the local controller deploys local charms and bundles only (give a path, e.g. ./charms/postgresql-k8s)\n"},
		{name: "deploy backend error", args: []string{"deploy", "testdata"}, fake: func() *apitest.Fake {
			return &apitest.Fake{DeployFunc: func(context.Context, api.DeployRequest, func(string)) (api.DeployResult, error) {
				return api.DeployResult{}, errors.New(`cannot add application "hydra": application already exists`)
			}}
		}, code: 1, stderr: "ERROR cannot add application \"hydra\": application already exists\n"},
		{name: "controller not implemented", args: []string{"models"}, code: 1, stderr: "ERROR controller not implemented yet\n"},

		// config
		{name: "config get all", args: []string{"config", "hydra"}, fake: configFake, stdout: "golden:config-yaml"},
		{name: "config get all json", args: []string{"config", "hydra", "--format", "json"}, fake: configFake, stdout: "golden:config-json"},
		{name: "config get one", args: []string{"config", "hydra", "dev"}, fake: configFake, stdout: "false\n"},
		{name: "config get number", args: []string{"config", "hydra", "port"}, fake: configFake, stdout: "4444\n"},
		{name: "config get unset", args: []string{"config", "hydra", "jwt_key"}, fake: configFake, stdout: "\n"},
		{name: "config get app config", args: []string{"config", "hydra", "trust"}, fake: configFake, stdout: "true\n"},
		{name: "config get missing", args: []string{"config", "hydra", "nope"}, fake: configFake, code: 1,
			stderr: "ERROR key \"nope\" not found in \"hydra\" application config or charm settings.\n"},
		{name: "config unknown app", args: []string{"config", "nope"}, fake: configFake, code: 1,
			stderr: "ERROR application \"nope\" not found\n"},
		{name: "config get and set", args: []string{"config", "hydra", "a=1", "b"}, code: 2,
			stderr: "ERROR cannot get value and set key=value pairs simultaneously\n"},
		{name: "config two gets", args: []string{"config", "hydra", "a", "b"}, code: 2, stderr: "ERROR cannot specify multiple keys to get\n"},
		{name: "config no app", args: []string{"config", "a=1"}, code: 2, stderr: "ERROR no application name specified\n"},
		{name: "config set and reset same", args: []string{"config", "hydra", "a=1", "--reset", "a"}, code: 2,
			stderr: "ERROR cannot set and reset key \"a\" simultaneously\n"},
		{name: "config duplicate key", args: []string{"config", "hydra", "a=1", "a=2"}, code: 2,
			stderr: "ERROR key \"a\" specified more than once\n"},
		{name: "config set and reset", args: []string{"config", "hydra", "log_level=debug", "--reset", "dev,port"}, fake: configFake,
			check: func(t *testing.T, f *apitest.Fake) {
				req := lastRequest(t, f, "SetConfig").(api.SetConfigRequest)
				want := api.SetConfigRequest{Model: "default", Application: "hydra", Args: []string{"log_level=debug"}, Reset: []string{"dev,port"}}
				if !reflect.DeepEqual(req, want) {
					t.Errorf("request = %+v, want %+v", req, want)
				}
				if n := len(f.Calls()); n != 1 {
					t.Errorf("%d calls, want 1 (reset and set go together)", n)
				}
			}},

		// run
		{name: "run", args: []string{"run", "kratos-external-idp-integrator/0", "get-redirect-uri"},
			fake: func() *apitest.Fake {
				return runFake("completed", "", map[string]any{"redirect-uri": "https://x/self-service/methods/oidc/callback/generic", "return-code": 0.0})
			},
			stdout: "redirect-uri: https://x/self-service/methods/oidc/callback/generic\n\n",
			stderr: "Running operation 1 with 1 task\n  - task 2 on unit-kratos-external-idp-integrator-0\n\nWaiting for task 2...\n12:00:01 looking up the redirect URI\n\n"},
		{name: "run yaml", args: []string{"run", "kratos-external-idp-integrator/0", "get-redirect-uri", "--format", "yaml", "--utc"},
			fake: func() *apitest.Fake {
				return runFake("completed", "", map[string]any{"redirect-uri": "https://x/cb", "return-code": 0.0, "stdout": "hello\r\n"})
			},
			stdout: "golden:run-yaml",
			stderr: "Running operation 1 with 1 task\n  - task 2 on unit-kratos-external-idp-integrator-0\n\nWaiting for task 2...\n12:00:01 looking up the redirect URI\n\n"},
		{name: "run failed", args: []string{"run", "kratos-external-idp-integrator/0", "get-redirect-uri"},
			fake: func() *apitest.Fake {
				return runFake("failed", "provider is not configured", map[string]any{"return-code": 0.0})
			},
			stdout: "Action id 2 failed: provider is not configured\n\n",
			stderr: "Running operation 1 with 1 task\n  - task 2 on unit-kratos-external-idp-integrator-0\n\nWaiting for task 2...\n12:00:01 looking up the redirect URI\n\n"},
		{name: "run crashed", args: []string{"run", "kratos-external-idp-integrator/0", "get-redirect-uri"},
			fake: func() *apitest.Fake {
				return runFake("failed", "exit status 2", map[string]any{"return-code": 2.0, "stderr": "panic: boom\n"})
			},
			code:   1,
			stdout: "Action id 2 failed: exit status 2\n\npanic: boom\n",
			stderr: "Running operation 1 with 1 task\n  - task 2 on unit-kratos-external-idp-integrator-0\n\nWaiting for task 2...\n12:00:01 looking up the redirect URI\n\nERROR the following task failed:\n - id \"2\" with return code 2\n\nuse 'juju-local show-task' to inspect the failure\n\n"},
		{name: "run timeout", args: []string{"run", "kratos-external-idp-integrator/0", "get-redirect-uri", "--wait", "1s"},
			fake:   func() *apitest.Fake { return runFake("running", "", nil) },
			code:   1,
			stderr: "Running operation 1 with 1 task\n  - task 2 on unit-kratos-external-idp-integrator-0\n\nWaiting for task 2...\nERROR timed out waiting for results from: unit kratos-external-idp-integrator/0\n"},
		{name: "run indefinite wait", args: []string{"run", "kratos-external-idp-integrator/0", "get-redirect-uri", "--wait", "-1s"},
			fake: func() *apitest.Fake {
				return runFake("completed", "", map[string]any{"redirect-uri": "https://x/cb", "return-code": 0.0})
			},
			stdout: "redirect-uri: https://x/cb\n\n",
			stderr: "Running operation 1 with 1 task\n  - task 2 on unit-kratos-external-idp-integrator-0\n\nWaiting for task 2...\n12:00:01 looking up the redirect URI\n\n",
			check: func(t *testing.T, f *apitest.Fake) {
				// Juju waits indefinitely for a negative --wait.
				if req := lastRequest(t, f, "WaitTask").(api.WaitTaskRequest); req.Wait >= 0 {
					t.Errorf("wait = %v, want negative (no bound)", req.Wait)
				}
			}},
		{name: "run tasks failed", args: []string{"run", "hydra/0", "hydra/1", "create-oauth-client", "--format", "yaml", "--utc"},
			fake: twoTasksFake, code: 1, stdout: "golden:run-failed-tasks-stdout", stderr: "golden:run-failed-tasks-stderr"},
		{name: "run background", args: []string{"run", "kratos-external-idp-integrator/0", "get-redirect-uri", "--background"},
			fake:   func() *apitest.Fake { return runFake("completed", "", nil) },
			stderr: "Scheduled operation 1 with task 2\nCheck operation status with 'juju-local show-operation 1'\nCheck task status with 'juju-local show-task 2'\n",
			check: func(t *testing.T, f *apitest.Fake) {
				req := lastRequest(t, f, "Run").(api.RunRequest)
				if !reflect.DeepEqual(req.Args, []string{"kratos-external-idp-integrator/0", "get-redirect-uri"}) {
					t.Errorf("args = %q", req.Args)
				}
				for _, c := range f.Calls() {
					if c.Method == "WaitTask" {
						t.Error("--background waited")
					}
				}
			}},
		{name: "run no unit", args: []string{"run", "backup"}, code: 2, stderr: "ERROR no unit specified\n"},
		{name: "run bad key", args: []string{"run", "x/0", "act", "Bad_Key=1"}, code: 2,
			stderr: "ERROR key \"Bad_Key\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens\n"},
		{name: "run two apps", args: []string{"run", "x/0", "y/0", "act"}, code: 2, stderr: "ERROR all units must be of the same application\n"},
		{name: "run wait and background", args: []string{"run", "x/0", "act", "--wait", "1m", "--background"}, code: 2,
			stderr: "ERROR cannot specify both --wait and --background\n"},

		// show-unit
		{name: "show-unit", args: []string{"show-unit", "hydra/0"}, fake: showUnitFake, stdout: "golden:show-unit-yaml"},
		{name: "show-unit json", args: []string{"show-unit", "hydra/0", "--format", "json"}, fake: showUnitFake, stdout: "golden:show-unit-json"},
		{name: "show-unit related unit", args: []string{"show-unit", "hydra/0", "--related-unit", "postgresql/10"}, fake: showUnitFake,
			stdout: "golden:show-unit-related"},
		{name: "show-unit app only", args: []string{"show-unit", "hydra/0", "--app", "--endpoint", "pg-database"}, fake: showUnitFake,
			stdout: "golden:show-unit-app"},
		{name: "show-unit bad name", args: []string{"show-unit", "hydra"}, code: 2, stderr: "ERROR unit name hydra not valid\n"},
		{name: "show-unit none", args: []string{"show-unit"}, code: 2, stderr: "ERROR an unit name must be supplied\n"},

		// debug-log
		{name: "debug-log", args: []string{"debug-log", "--replay", "--no-tail", "--include", "hydra", "-i", "kratos/0", "--level", "info"},
			fake: func() *apitest.Fake {
				return &apitest.Fake{DebugLogFunc: func(_ context.Context, req api.DebugLogRequest, emit func(api.LogRecord) error) error {
					for _, r := range []api.LogRecord{
						{Entity: "unit-hydra-0", Timestamp: t0, Severity: "INFO", Module: "juju.worker.uniter.operation", Message: `ran "install" hook (via hook dispatching script: dispatch)`},
						{Entity: "unit-hydra-0", Timestamp: t0.Add(time.Second), Severity: "INFO", Module: "unit.hydra/0.juju-log", Message: "Hydra is ready"},
					} {
						if err := emit(r); err != nil {
							return err
						}
					}
					return nil
				}}
			},
			stdout: "unit-hydra-0: 12:00:00 INFO juju.worker.uniter.operation ran \"install\" hook (via hook dispatching script: dispatch)\nunit-hydra-0: 12:00:01 INFO unit.hydra/0.juju-log Hydra is ready\n",
			check: func(t *testing.T, f *apitest.Fake) {
				req := lastRequest(t, f, "DebugLog").(api.DebugLogRequest)
				want := api.DebugLogRequest{Model: "default", IncludeEntity: []string{"unit-hydra-*", "unit-kratos-0"}, Level: "INFO", Replay: true, NoTail: true}
				if !reflect.DeepEqual(req, want) {
					t.Errorf("request = %+v, want %+v", req, want)
				}
			}},
		{name: "debug-log default backlog", args: []string{"debug-log"},
			fake: func() *apitest.Fake {
				return &apitest.Fake{DebugLogFunc: func(context.Context, api.DebugLogRequest, func(api.LogRecord) error) error { return nil }}
			},
			check: func(t *testing.T, f *apitest.Fake) {
				req := lastRequest(t, f, "DebugLog").(api.DebugLogRequest)
				// Not a terminal: Juju does not follow.
				if req.Backlog != 10 || !req.NoTail || req.Replay {
					t.Errorf("request = %+v", req)
				}
			}},
		{name: "debug-log tail and no-tail", args: []string{"debug-log", "--tail", "--no-tail"}, code: 2,
			stderr: "ERROR setting --tail and --no-tail not valid\n"},
		{name: "debug-log bad level", args: []string{"debug-log", "--level", "loud"}, code: 2,
			stderr: "ERROR level value \"loud\" is not one of \"TRACE\", \"DEBUG\", \"INFO\", \"WARNING\", \"ERROR\"\n"},

		// units and applications
		{name: "add-unit", args: []string{"add-unit", "hydra", "-n", "2"}, fake: func() *apitest.Fake {
			return &apitest.Fake{ScaleFunc: func(context.Context, api.ScaleRequest) (api.ScaleResult, error) {
				return api.ScaleResult{Scale: 3}, nil
			}}
		}, check: func(t *testing.T, f *apitest.Fake) {
			if req := lastRequest(t, f, "Scale").(api.ScaleRequest); req != (api.ScaleRequest{Model: "default", Application: "hydra", Delta: 2}) {
				t.Errorf("request = %+v", req)
			}
		}},
		{name: "remove-unit", args: []string{"remove-unit", "hydra", "--num-units", "1"}, fake: func() *apitest.Fake {
			return &apitest.Fake{ScaleFunc: func(context.Context, api.ScaleRequest) (api.ScaleResult, error) {
				return api.ScaleResult{Scale: 1}, nil
			}}
		}, stderr: "scaling down to 1 units\n"},
		{name: "remove-unit named", args: []string{"remove-unit", "hydra/0"}, code: 2,
			stderr: "ERROR k8s models do not support removing named units.\nInstead specify an application with --num-units.\n\n"},
		{name: "remove-unit no count", args: []string{"remove-unit", "hydra"}, code: 2,
			stderr: "ERROR specify the number of units (> 0) to remove using --num-units\n"},
		{name: "remove-application confirmed", args: []string{"remove-application", "hydra"}, stdin: "y\n", fake: removeAppFake,
			stdout: "will remove application hydra\n- will remove unit hydra/0\n",
			stderr: "WARNING This command will perform the following actions:\n\nContinue [y/N]? "},
		{name: "remove-application aborted", args: []string{"remove-application", "hydra"}, stdin: "n\n", fake: removeAppFake, code: 1,
			stdout: "will remove application hydra\n- will remove unit hydra/0\n",
			stderr: "WARNING This command will perform the following actions:\n\nContinue [y/N]? ERROR application removal: aborted\n",
			check: func(t *testing.T, f *apitest.Fake) {
				for _, c := range f.Calls() {
					if !c.Request.(api.RemoveApplicationRequest).DryRun {
						t.Error("removed after an abort")
					}
				}
			}},
		{name: "remove-application no prompt", args: []string{"remove-application", "--no-prompt", "hydra"}, fake: removeAppFake,
			stdout: "will remove application hydra\n- will remove unit hydra/0\n"},
		{name: "remove-application failure", args: []string{"remove-application", "--no-prompt", "nope"}, fake: removeAppFake, code: 1,
			stderr: "ERROR removing application nope failed: application \"nope\" not found\n"},
		{name: "remove-application bad name", args: []string{"remove-application", "Hydra"}, code: 2,
			stderr: "ERROR invalid application name \"Hydra\"\n"},
		{name: "integrate", args: []string{"integrate", "hydra", "postgresql:database"}, fake: func() *apitest.Fake {
			return &apitest.Fake{IntegrateFunc: func(context.Context, api.IntegrateRequest) (api.IntegrateResult, error) {
				return api.IntegrateResult{ID: 1}, nil
			}}
		}, check: func(t *testing.T, f *apitest.Fake) {
			req := lastRequest(t, f, "Integrate").(api.IntegrateRequest)
			if !reflect.DeepEqual(req.Endpoints, []string{"hydra", "postgresql:database"}) {
				t.Errorf("endpoints = %q", req.Endpoints)
			}
		}},
		{name: "relate alias error", args: []string{"relate", "hydra", "postgresql"}, fake: func() *apitest.Fake {
			return &apitest.Fake{IntegrateFunc: func(context.Context, api.IntegrateRequest) (api.IntegrateResult, error) {
				return api.IntegrateResult{}, errors.New("cannot add relation \"hydra:pg-database postgresql:database\"\nrelation hydra:pg-database postgresql:database (already exists):\n\nUse 'juju status --relations' to view the current relations.")
			}}
		}, code: 1, stderr: "ERROR cannot add relation \"hydra:pg-database postgresql:database\"\nrelation hydra:pg-database postgresql:database (already exists):\n\nUse 'juju status --relations' to view the current relations.\n"},
		{name: "integrate one", args: []string{"integrate", "hydra"}, code: 2, stderr: "ERROR an integration must involve two applications\n"},
		{name: "remove-relation id", args: []string{"remove-relation", "3"}, fake: func() *apitest.Fake {
			return &apitest.Fake{RemoveRelationFunc: func(context.Context, api.RemoveRelationRequest) error { return nil }}
		}, check: func(t *testing.T, f *apitest.Fake) {
			req := lastRequest(t, f, "RemoveRelation").(api.RemoveRelationRequest)
			if req.ID == nil || *req.ID != 3 || req.Endpoints != nil {
				t.Errorf("request = %+v", req)
			}
		}},
		{name: "remove-relation bad id", args: []string{"remove-relation", "x"}, code: 2, stderr: "ERROR relation ID \"x\" not valid\n"},
		{name: "resolve alias", args: []string{"resolve", "hydra/0", "--no-retry"}, fake: func() *apitest.Fake {
			return &apitest.Fake{ResolveFunc: func(context.Context, api.ResolveRequest) error { return nil }}
		}, check: func(t *testing.T, f *apitest.Fake) {
			req := lastRequest(t, f, "Resolve").(api.ResolveRequest)
			if !reflect.DeepEqual(req, api.ResolveRequest{Model: "default", Units: []string{"hydra/0"}, NoRetry: true}) {
				t.Errorf("request = %+v", req)
			}
		}},
		{name: "resolved nothing", args: []string{"resolved"}, code: 2, stderr: "ERROR no unit specified\n"},
		{name: "refresh", args: []string{"refresh", "hydra", "--path", "testdata"}, fake: func() *apitest.Fake {
			return &apitest.Fake{RefreshFunc: func(context.Context, api.RefreshRequest) (api.RefreshResult, error) {
				return api.RefreshResult{CharmName: "hydra", Revision: 1}, nil
			}}
		}, stderr: "Added local charm \"hydra\", revision 1, to the model\n", check: func(t *testing.T, f *apitest.Fake) {
			if req := lastRequest(t, f, "Refresh").(api.RefreshRequest); req.Path != abs || req.Trust != nil {
				t.Errorf("request = %+v", req)
			}
		}},
		{name: "refresh without path", args: []string{"refresh", "hydra"}, code: 1,
			stderr: "ERROR refreshing a local charm requires either --path or --switch\n"},

		// show-task
		{name: "show-task", args: []string{"show-task", "2"}, fake: func() *apitest.Fake { return showTaskFake("completed", "completed") },
			stdout: "golden:show-task-plain", check: waitedOnce},
		{name: "show-task yaml", args: []string{"show-task", "2", "--format", "yaml", "--utc"}, fake: func() *apitest.Fake { return showTaskFake("completed", "completed") },
			stdout: "golden:show-task-yaml"},
		{name: "show-task json", args: []string{"show-task", "2", "--format=json", "--utc"}, fake: func() *apitest.Fake { return showTaskFake("completed", "completed") },
			stdout: "golden:show-task-json"},
		{name: "show-task failed", args: []string{"show-task", "2"}, fake: func() *apitest.Fake { return showTaskFake("failed", "failed") },
			stdout: "Action id 2 failed: exit status 2\n\npanic: boom\n"},
		{name: "show-task running, no wait", args: []string{"show-task", "2"}, fake: func() *apitest.Fake { return showTaskFake("running", "completed") },
			stdout: "Task 2 running\n\n", check: waitedOnce},
		{name: "show-task watch", args: []string{"show-task", "2", "--watch"}, fake: func() *apitest.Fake { return showTaskFake("running", "completed") },
			stdout: "golden:show-task-plain", stderr: "12:00:01 looking up the redirect URI\n\n",
			check: func(t *testing.T, f *apitest.Fake) {
				if req := lastRequest(t, f, "WaitTask").(api.WaitTaskRequest); req.Wait >= 0 || req.ID != "2" || req.Model != "default" {
					t.Errorf("request = %+v, want a wait without bound", req)
				}
			}},
		{name: "show-task wait runs out", args: []string{"show-task", "2", "--wait", "1s"}, fake: func() *apitest.Fake { return showTaskFake("running", "running") },
			code: 1, stderr: "12:00:01 looking up the redirect URI\n\nERROR maximum wait time reached\n",
			check: func(t *testing.T, f *apitest.Fake) {
				if req := lastRequest(t, f, "WaitTask").(api.WaitTaskRequest); req.Wait <= 0 || req.Wait > time.Second {
					t.Errorf("wait = %v, want the rest of 1s", req.Wait)
				}
			}},
		{name: "show-task unknown", args: []string{"show-task", "99"}, fake: func() *apitest.Fake { return showTaskFake("completed", "completed") },
			code: 1, stderr: "ERROR id not found\n"},
		{name: "show-task no id", args: []string{"show-task"}, code: 2, stderr: "ERROR no task ID specified\n"},
		{name: "show-task bad id", args: []string{"show-task", "x"}, code: 2, stderr: "ERROR task ID \"x\" not valid\n"},
		{name: "show-task two ids", args: []string{"show-task", "1", "2"}, code: 2, stderr: "ERROR unrecognized args: [\"2\"]\n"},
		{name: "show-task watch and wait", args: []string{"show-task", "2", "--watch", "--wait", "5s"}, code: 2,
			stderr: "ERROR specify either --watch or --wait but not both\n"},

		// secrets
		{name: "add-secret", args: []string{"add-secret", "client-secret", "value=s3cret", "--info", "the IdP's secret"},
			fake: func() *apitest.Fake {
				return &apitest.Fake{AddSecretFunc: func(context.Context, api.AddSecretRequest) (api.AddSecretResult, error) {
					return api.AddSecretResult{URI: "secret:d3ndkqfmp25c7g4gklh0"}, nil
				}}
			}, stdout: "secret:d3ndkqfmp25c7g4gklh0\n", check: func(t *testing.T, f *apitest.Fake) {
				req := lastRequest(t, f, "AddSecret").(api.AddSecretRequest)
				want := api.AddSecretRequest{Model: "default", Name: "client-secret", Description: "the IdP's secret",
					Data: map[string]string{"value": base64.StdEncoding.EncodeToString([]byte("s3cret"))}}
				if !reflect.DeepEqual(req, want) {
					t.Errorf("request = %+v, want %+v", req, want)
				}
			}},
		{name: "add-secret no value", args: []string{"add-secret", "x"}, code: 2, stderr: "ERROR missing secret value or filename\n"},
		{name: "grant-secret", args: []string{"grant-secret", "client-secret", "hydra,kratos"}, fake: func() *apitest.Fake {
			return &apitest.Fake{GrantSecretFunc: func(context.Context, api.GrantSecretRequest) error { return nil }}
		}, check: func(t *testing.T, f *apitest.Fake) {
			req := lastRequest(t, f, "GrantSecret").(api.GrantSecretRequest)
			if !reflect.DeepEqual(req, api.GrantSecretRequest{Model: "default", Secret: "client-secret", Applications: []string{"hydra", "kratos"}}) {
				t.Errorf("request = %+v", req)
			}
		}},
		{name: "grant-secret missing", args: []string{"grant-secret", "x"}, code: 2, stderr: "ERROR missing secret URI or application name\n"},
		{name: "secrets", args: []string{"secrets"}, fake: secretsFake, stdout: "golden:secrets-tabular"},
		{name: "secrets yaml", args: []string{"secrets", "--format", "yaml"}, fake: secretsFake, stdout: "golden:secrets-yaml"},

		// model-config
		{name: "model-config", args: []string{"model-config"}, fake: modelConfigFake, stdout: "golden:model-config-tabular"},
		{name: "model-config yaml", args: []string{"model-config", "--format", "yaml"}, fake: modelConfigFake, stdout: "golden:model-config-yaml"},
		{name: "model-config json", args: []string{"model-config", "--format=json"}, fake: modelConfigFake, stdout: "golden:model-config-json"},
		{name: "model-config one key", args: []string{"model-config", "update-status-hook-interval"}, fake: modelConfigFake, stdout: "5m\n"},
		{name: "model-config one key yaml", args: []string{"model-config", "update-status-hook-interval", "--format", "yaml"}, fake: modelConfigFake,
			stdout: "update-status-hook-interval:\n  value: 5m\n  source: default\n"},
		{name: "model-config one key json", args: []string{"model-config", "-m", "local:default", "update-status-hook-interval", "--format", "json"}, fake: modelConfigFake,
			stdout: `{"update-status-hook-interval":{"Value":"5m","Source":"default"}}` + "\n"},
		{name: "model-config unknown key", args: []string{"model-config", "nope"}, fake: modelConfigFake, code: 1,
			stderr: "ERROR \"nope\" is not a key of the currently targeted model: \"admin/default\"\n"},
		{name: "model-config set", args: []string{"model-config", "update-status-hook-interval=1m"}, fake: modelConfigFake,
			check: func(t *testing.T, f *apitest.Fake) {
				req := lastRequest(t, f, "SetModelConfig").(api.SetModelConfigRequest)
				want := api.SetModelConfigRequest{Model: "default", Set: map[string]any{"update-status-hook-interval": "1m"}}
				if !reflect.DeepEqual(req, want) {
					t.Errorf("request = %+v, want %+v", req, want)
				}
			}},
		{name: "model-config set refused", args: []string{"model-config", "update-status-hook-interval=soon"}, fake: modelConfigFake, code: 1,
			stderr: "ERROR invalid update status hook interval in model configuration: time: invalid duration \"soon\"\n"},
		{name: "model-config set unknown key", args: []string{"model-config", "ftp-proxy=10.0.0.1:8000"}, fake: modelConfigFake, code: 1,
			stderr: "WARNING key \"ftp-proxy\" is not defined in the current model configuration: possible misspelling\n" +
				"ERROR model config key \"ftp-proxy\" is not supported by the local controller (it knows agent-version, update-status-hook-interval)\n"},
		{name: "model-config set read-only", args: []string{"model-config", "agent-version=4.0.0"}, fake: modelConfigFake, code: 1,
			stderr: "ERROR \"agent-version\" must be set via \"upgrade-model\"\n",
			check: func(t *testing.T, f *apitest.Fake) {
				for _, c := range f.Calls() {
					if c.Method == "SetModelConfig" {
						t.Errorf("read-only key sent: %+v", c.Request)
					}
				}
			}},
		{name: "model-config reset", args: []string{"model-config", "--reset", "update-status-hook-interval,"}, fake: modelConfigFake,
			check: func(t *testing.T, f *apitest.Fake) {
				req := lastRequest(t, f, "SetModelConfig").(api.SetModelConfigRequest)
				if !reflect.DeepEqual(req, api.SetModelConfigRequest{Model: "default", Reset: []string{"update-status-hook-interval"}}) {
					t.Errorf("request = %+v", req)
				}
			}},
		{name: "model-config reset read-only", args: []string{"model-config", "--reset", "agent-version"}, code: 2,
			stderr: "ERROR \"agent-version\" cannot be reset\n"},
		{name: "model-config reset and get", args: []string{"model-config", "--reset", "something", "weird"}, code: 2,
			stderr: "ERROR cannot use --reset flag and get value simultaneously\n"},
		{name: "model-config set and reset one key", args: []string{"model-config", "--reset", "update-status-hook-interval", "update-status-hook-interval=1m"}, code: 2,
			stderr: "ERROR cannot set and reset key \"update-status-hook-interval\" simultaneously\n"},
		{name: "model-config two keys", args: []string{"model-config", "one", "two"}, code: 2,
			stderr: "ERROR cannot specify multiple keys to get\n"},
		{name: "model-config file from its own yaml", args: []string{"model-config", "--file", "-", "--ignore-read-only-fields"}, fake: modelConfigFake,
			stdin: "agent-version:\n  value: 3.6.11\n  source: model\nupdate-status-hook-interval:\n  value: 10m\n  source: model\n",
			check: func(t *testing.T, f *apitest.Fake) {
				req := lastRequest(t, f, "SetModelConfig").(api.SetModelConfigRequest)
				if !reflect.DeepEqual(req, api.SetModelConfigRequest{Model: "default", Set: map[string]any{"update-status-hook-interval": "10m"}}) {
					t.Errorf("request = %+v", req)
				}
			}},
		{name: "model-config file with read-only", args: []string{"model-config", "--file", "-"}, fake: modelConfigFake,
			stdin: "agent-version: 3.6.11\nupdate-status-hook-interval: 10m\n", code: 1,
			stderr: "ERROR \"agent-version\" must be set via \"upgrade-model\"\n"},
		{name: "model-config file, reset, set in Juju's order", args: []string{"model-config", "update-status-hook-interval=2m", "--file", "-", "--reset", "x"},
			fake: modelConfigFake, stdin: "update-status-hook-interval: 10m\n",
			stderr: "WARNING key \"x\" is not defined in the current model configuration: possible misspelling\n",
			check: func(t *testing.T, f *apitest.Fake) {
				var got []api.SetModelConfigRequest
				for _, c := range f.Calls() {
					if c.Method == "SetModelConfig" {
						got = append(got, c.Request.(api.SetModelConfigRequest))
					}
				}
				want := []api.SetModelConfigRequest{
					{Model: "default", Set: map[string]any{"update-status-hook-interval": "10m"}},
					{Model: "default", Reset: []string{"x"}},
					{Model: "default", Set: map[string]any{"update-status-hook-interval": "2m"}},
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("requests = %+v, want %+v", got, want)
				}
			}},
		{name: "help model-config", args: []string{"help", "model-config"}, stdout: "golden:help-model-config"},

		// models
		{name: "models", args: []string{"models"}, fake: modelsFake, stdout: "golden:models-tabular"},
		{name: "models yaml", args: []string{"models", "--format", "yaml"}, fake: modelsFake, stdout: "golden:models-yaml"},
		{name: "add-model", args: []string{"add-model", "dev"}, fake: func() *apitest.Fake {
			return &apitest.Fake{AddModelFunc: func(_ context.Context, req api.AddModelRequest) (api.ModelSummary, error) {
				return api.ModelSummary{Name: req.Name, Cloud: "local", Region: "localhost", Owner: "admin"}, nil
			}}
		}, stderr: "Added 'dev' model on local/localhost for user 'admin'\n"},
		{name: "add-model bad name", args: []string{"add-model", "Dev"}, code: 2,
			stderr: "ERROR \"Dev\" is not a valid name: model names may only contain lowercase letters, digits and hyphens\n"},
		{name: "destroy-model", args: []string{"destroy-model", "--no-prompt", "dev"}, fake: func() *apitest.Fake {
			return &apitest.Fake{DestroyModelFunc: func(context.Context, api.DestroyModelRequest) error { return nil }}
		}, stderr: "Destroying model\nModel destroyed.\n"},
		{name: "destroy-model prompt", args: []string{"destroy-model", "default"}, stdin: "default\n", fake: func() *apitest.Fake {
			f := statusFake()
			f.DestroyModelFunc = func(context.Context, api.DestroyModelRequest) error { return nil }
			return f
		}, stderr: "WARNING This command will destroy the \"default\" model and affect the following resources. It cannot be stopped.\n" +
			" - 3 applications will be removed\n  - application list: \"hydra\" \"kratos\" \"postgresql\"\n - 0 filesystem and 0 volume will be destroyed\n" +
			"\nTo continue, enter the name of the model to be unregistered: Destroying model\nModel destroyed.\n"},

		// wait-for
		{name: "wait-for application", args: []string{"wait-for", "application", "hydra", "--timeout", "5s"}, fake: statusFake,
			stderr: "Application \"hydra\" is running\n"},
		{name: "wait-for model query", args: []string{"wait-for", "model", "default", "--timeout", "5s",
			"--query", `forEach(applications, app => app.status == "active" || app.name != "hydra") && forEach(units, u => u.workload-status != "error")`},
			fake: statusFake, stderr: "model \"default\" is running\n"},
		{name: "wait-for timeout says why", args: []string{"wait-for", "model", "default", "--timeout", "20ms",
			"--query", `forEach(units, unit => unit.agent-status == "idle")`}, fake: statusFake, code: 1,
			stderr: "ERROR timed out waiting for \"default\" to reach goal state: application kratos is blocked (Missing required relation with postgresql); " +
				"unit kratos/0 is blocked/idle (Missing required relation with postgresql); application postgresql is maintenance (joining the cluster); " +
				"unit postgresql/1 is maintenance/executing (joining the cluster)\n"},
		{name: "wait-for bad query", args: []string{"wait-for", "model", "default", "--query", "life == (("}, code: 2,
			stderr: "golden:waitfor-bad-query"},
		{name: "wait-for unknown kind", args: []string{"wait-for", "machine", "0"}, code: 2,
			stderr: "ERROR unrecognized command: juju-local wait-for machine\n"},

		// controller
		{name: "bootstrap needs root", args: []string{"bootstrap"}, code: 1,
			stderr: "ERROR bootstrap needs root: the local runtime creates network and mount namespaces for every unit; run it as root (sudo juju-local bootstrap)\n"},
	}
}

func removeAppFake() *apitest.Fake {
	return &apitest.Fake{RemoveApplicationFunc: func(_ context.Context, req api.RemoveApplicationRequest) ([]api.RemoveApplicationResult, error) {
		var out []api.RemoveApplicationResult
		for _, app := range req.Applications {
			if app == "nope" {
				out = append(out, api.RemoveApplicationResult{Application: app, Error: `application "nope" not found`})
				continue
			}
			out = append(out, api.RemoveApplicationResult{Application: app, Units: []string{app + "/0"}})
		}
		return out, nil
	}}
}

func secretsFake() *apitest.Fake {
	return &apitest.Fake{SecretsFunc: func(context.Context, api.SecretsRequest) ([]api.SecretInfo, error) {
		return []api.SecretInfo{
			{URI: "secret:d3ndkqfmp25c7g4gklh0", Owner: "model-7f1c5d0e-1111-4222-8333-944445555666", Name: "client-secret",
				Description: "the IdP's secret", Revision: 1, Created: t0, Updated: t0},
			{URI: "secret:d3ndkrnmp25c7g4gklhg", Owner: "application-hydra", Label: "system-secret", RotatePolicy: "never",
				Revision: 3, Created: t0, Updated: tNow.Add(-2 * time.Hour)},
		}, nil
	}}
}

// modelConfigFake answers as the controller does for a model with the
// default update-status interval.
func modelConfigFake() *apitest.Fake {
	return &apitest.Fake{
		ModelConfigFunc: func(_ context.Context, req api.ModelConfigRequest) (api.ModelConfig, error) {
			return api.ModelConfig{
				"agent-version":               {Value: "3.6.11", Source: "model"},
				"update-status-hook-interval": {Value: "5m", Source: "default"},
			}, nil
		},
		SetModelConfigFunc: func(_ context.Context, req api.SetModelConfigRequest) error {
			for k, v := range req.Set {
				if k != "update-status-hook-interval" {
					return api.Errorf(api.CodeNotSupported, "model config key %q is not supported by the local controller (it knows agent-version, update-status-hook-interval)", k)
				}
				if _, err := time.ParseDuration(v.(string)); err != nil {
					return api.Errorf(api.CodeNotValid, "invalid update status hook interval in model configuration: %v", err)
				}
			}
			return nil
		},
	}
}

func modelsFake() *apitest.Fake {
	return &apitest.Fake{ModelsFunc: func(context.Context) (api.Models, error) {
		return api.Models{Controller: "local", Models: []api.ModelSummary{
			{Name: "default", UUID: "7f1c5d0e-1111-4222-8333-944445555666", Type: "caas", ProviderType: "kubernetes", Cloud: "local",
				Region: "localhost", Owner: "admin", Life: "alive", Status: "available", StatusSince: t0, AgentVersion: "3.6.11", Units: 4, LastConnection: t0},
			{Name: "dev", UUID: "8f1c5d0e-1111-4222-8333-944445555666", Type: "caas", ProviderType: "kubernetes", Cloud: "local",
				Region: "localhost", Owner: "admin", Life: "alive", Status: "available", AgentVersion: "3.6.11"},
		}}, nil
	}}
}
