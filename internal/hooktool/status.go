package hooktool

import (
	"context"
	"encoding/json"
	"fmt"
)

// Workload status names a charm may set. status-get can also report
// "unknown", "error" and "terminated", which only Juju sets.
const (
	StatusActive      = "active"
	StatusBlocked     = "blocked"
	StatusWaiting     = "waiting"
	StatusMaintenance = "maintenance"
)

// Status is a workload status: Name is one of the Status* constants (or a
// Juju-set name when read back) and Message is shown next to it.
type Status struct {
	Name    string
	Message string
}

// ApplicationStatus is the application's status plus each unit's, as the
// leader sees it with status-get --application.
type ApplicationStatus struct {
	Status
	// Units is keyed the way Juju prints it (the unit's tag).
	Units map[string]Status
}

// StatusSet sets the unit's (or, when app is true, the application's)
// workload status; --application needs leadership. Effective immediately.
//
// The message is always passed, even when empty: jujuc treats a missing
// message and an empty one the same (the old message is cleared), and
// one explicit positional keeps the argv shape fixed.
func (c *Client) StatusSet(ctx context.Context, st Status, app bool) error {
	switch st.Name {
	case StatusActive, StatusBlocked, StatusWaiting, StatusMaintenance:
	default:
		return fmt.Errorf("status-set: invalid status %q, expected one of maintenance, blocked, waiting, active", st.Name)
	}
	var flags []string
	if app {
		flags = append(flags, "--application")
	}
	_, err := c.run(ctx, "status-set", withPositional(flags, st.Name, st.Message), nil)
	return err
}

// statusDetails is one status as status-get --include-data prints it.
type statusDetails struct {
	Status  string         `json:"status"`
	Message string         `json:"message"`
	Data    map[string]any `json:"status-data"`
}

type appStatusOutput struct {
	Application *struct {
		statusDetails
		Units map[string]statusDetails `json:"units"`
	} `json:"application-status"`
}

// StatusGet reads the unit's status, or the application's when app is
// true (leader only).
func (c *Client) StatusGet(ctx context.Context, app bool) (Status, error) {
	if app {
		as, err := c.ApplicationStatusGet(ctx)
		return as.Status, err
	}
	const tool = "status-get"
	var raw json.RawMessage
	if err := c.runJSON(ctx, tool, []string{formatJSON, "--include-data"}, &raw); err != nil {
		return Status{}, err
	}
	if name, ok := bareStatus(raw); ok {
		return Status{Name: name}, nil
	}
	var out statusDetails
	if err := decodeJSON(tool, raw, &out); err != nil {
		return Status{}, err
	}
	return Status{Name: out.Status, Message: out.Message}, nil
}

// bareStatus recognises the plain JSON string status-get prints instead
// of the details map when the status is not implemented ("unknown").
func bareStatus(raw json.RawMessage) (string, bool) {
	var name string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &name) != nil {
		return "", false
	}
	return name, true
}

// ApplicationStatusGet reads the application status and its units'
// statuses (status-get --application; leader only).
func (c *Client) ApplicationStatusGet(ctx context.Context) (ApplicationStatus, error) {
	const tool = "status-get"
	var raw json.RawMessage
	if err := c.runJSON(ctx, tool, []string{formatJSON, "--include-data", "--application"}, &raw); err != nil {
		return ApplicationStatus{}, err
	}
	if name, ok := bareStatus(raw); ok {
		return ApplicationStatus{Status: Status{Name: name}, Units: map[string]Status{}}, nil
	}
	var out appStatusOutput
	if err := decodeJSON(tool, raw, &out); err != nil {
		return ApplicationStatus{}, err
	}
	if out.Application == nil {
		return ApplicationStatus{}, fmt.Errorf("%s: output has no application-status", tool)
	}
	as := ApplicationStatus{
		Status: Status{Name: out.Application.Status, Message: out.Application.Message},
		Units:  make(map[string]Status, len(out.Application.Units)),
	}
	for tag, u := range out.Application.Units {
		as.Units[tag] = Status{Name: u.Status, Message: u.Message}
	}
	return as, nil
}
