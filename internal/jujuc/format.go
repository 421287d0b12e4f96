package jujuc

import "github.com/identity-platform-go/charms/internal/jujucmd"

var (
	defaultFormatters = map[string]jujucmd.Formatter{"smart": jujucmd.FormatSmart, "yaml": jujucmd.FormatYAML, "json": jujucmd.FormatJSON}
	// serialFormatters is for tools that only offer yaml and json.
	serialFormatters = map[string]jujucmd.Formatter{"yaml": jujucmd.FormatYAML, "json": jujucmd.FormatJSON}
)

// output is juju/cmd's Output (--format, -o/--output) writing to the
// tool's stdout, an -o file being relative to the hook's directory.
type output struct{ jujucmd.Output }

func (o *output) write(rc *runContext, value any) error {
	return o.Write(rc.stdout, rc.path, value)
}
