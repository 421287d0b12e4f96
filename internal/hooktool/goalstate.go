package hooktool

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// GoalState is what Juju intends the application's units and relations
// to be (goal-state).
type GoalState struct {
	// Units are this application's units (peers included).
	Units map[string]GoalStatus
	// Relations maps an endpoint to the remote units and applications
	// expected on it.
	Relations map[string]map[string]GoalStatus
}

// GoalStatus is one unit's or relation member's goal status: for units
// waiting, active, dying; for relation members joining, joined, dying,
// broken (or the unit status for applications).
type GoalStatus struct {
	Status string
	// Since is when the status last changed; zero when Juju omits it.
	Since time.Time
}

// goalTimeLayout is how goal-state prints times (RFC 3339 with a space
// instead of "T", always UTC).
const goalTimeLayout = "2006-01-02 15:04:05Z"

// UnmarshalJSON reads {"status": ..., "since": "2006-01-02 15:04:05Z"}.
func (g *GoalStatus) UnmarshalJSON(b []byte) error {
	var raw struct {
		Status string `json:"status"`
		Since  string `json:"since"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	g.Status, g.Since = raw.Status, time.Time{}
	if raw.Since == "" {
		return nil
	}
	t, err := time.Parse(goalTimeLayout, raw.Since)
	if err != nil {
		return fmt.Errorf("invalid since time %q", raw.Since)
	}
	g.Since = t
	return nil
}

// GoalState returns the goal state of this unit's application.
func (c *Client) GoalState(ctx context.Context) (GoalState, error) {
	out, err := c.run(ctx, "goal-state", []string{formatJSON}, nil)
	if err != nil {
		return GoalState{}, err
	}
	return decodeGoalState(out)
}

func decodeGoalState(out []byte) (GoalState, error) {
	var raw struct {
		Units     map[string]GoalStatus            `json:"units"`
		Relations map[string]map[string]GoalStatus `json:"relations"`
	}
	if err := decodeJSON("goal-state", out, &raw); err != nil {
		return GoalState{}, err
	}
	gs := GoalState{Units: raw.Units, Relations: raw.Relations}
	if gs.Units == nil {
		gs.Units = map[string]GoalStatus{}
	}
	if gs.Relations == nil {
		gs.Relations = map[string]map[string]GoalStatus{}
	}
	return gs, nil
}
