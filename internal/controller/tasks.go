package controller

import (
	"maps"
	"strconv"
	"time"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/controller/debuglog"
)

// task is one action on one unit (a Juju task of an operation).
type task struct {
	id, operation string
	unit, action  string
	params        map[string]any
	status        string // pending, running, completed, failed
	message       string
	output        map[string]any
	log           []api.ActionMessage
	enqueued      time.Time
	started       time.Time
	completed     time.Time
}

// finish records what the action did. Like Juju's runner, the results
// always carry the return code, and stdout/stderr when not empty.
func (t *task) finish(res dispatchResult, err error) {
	out := res.Output
	t.completed = time.Now()
	t.output = maps.Clone(out.ActionResults)
	if t.output == nil {
		t.output = map[string]any{}
	}
	if res.Code >= 0 {
		t.output["return-code"] = res.Code
	}
	if res.Stdout != "" {
		t.output["stdout"] = res.Stdout
	}
	if res.Stderr != "" {
		t.output["stderr"] = res.Stderr
	}
	t.message = out.ActionMessage
	for _, m := range out.ActionLogs {
		t.log = append(t.log, api.ActionMessage{Timestamp: t.completed, Message: m})
	}
	t.status = "completed"
	if out.ActionFailed || err != nil {
		t.status = "failed"
		if t.message == "" && err != nil {
			t.message = err.Error()
		}
	}
}

func (t *task) result() api.TaskResult {
	return api.TaskResult{
		ID: t.id, Receiver: debuglog.UnitTag(t.unit), Action: t.action,
		Status: t.status, Message: t.message, Output: t.output, Log: t.log,
		Enqueued: t.enqueued, Started: t.started, Completed: t.completed,
	}
}

func (t *task) done() bool { return t.status == "completed" || t.status == "failed" }

// newTaskIDLocked numbers operations and tasks in one sequence, as Juju.
func (mr *modelRuntime) newTaskIDLocked() string {
	mr.nextTask++
	return strconv.Itoa(mr.nextTask)
}

// taskChangedLocked wakes WaitTask callers.
func (mr *modelRuntime) taskChangedLocked() {
	close(mr.taskDone)
	mr.taskDone = make(chan struct{})
}
