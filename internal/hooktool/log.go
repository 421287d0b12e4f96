package hooktool

import "context"

// Level is a juju-log level.
type Level string

// Levels juju-log accepts.
const (
	LevelTrace   Level = "TRACE"
	LevelDebug   Level = "DEBUG"
	LevelInfo    Level = "INFO"
	LevelWarning Level = "WARNING"
	LevelError   Level = "ERROR"
)

// Log writes msg to the unit's log (juju-log). Effective immediately.
func (c *Client) Log(ctx context.Context, level Level, msg string) error {
	_, err := c.runner.Run(ctx, "juju-log", []string{"--log-level", string(level), msg}, nil)
	return err
}
