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
// The message follows "--" so that text starting with "-" is logged, not
// parsed as a flag.
func (c *Client) Log(ctx context.Context, level Level, msg string) error {
	_, err := c.run(ctx, "juju-log", withPositional([]string{"--log-level", string(level)}, msg), nil)
	return err
}
