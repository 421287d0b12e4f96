package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/juju/gnuflag"

	"github.com/identity-platform-go/charms/internal/controller/api"
	"github.com/identity-platform-go/charms/internal/jujucmd"
)

// statusCommand is `juju status` (cmd/juju/status/status.go).
type statusCommand struct {
	modelFlag
	out          output
	patterns     []string
	isoTime      bool
	color        bool
	noColor      bool
	relations    bool
	integrations bool
	storage      bool
	retryCount   int
	retryDelay   time.Duration
	watch        time.Duration
	flags        *gnuflag.FlagSet
}

func (c *statusCommand) info() info {
	return info{
		name:    "status",
		args:    "[<selector> [...]]",
		purpose: "Report the status of the model, its machines, applications and units.",
		doc: `
Report the model's status: its applications (App table), units (Unit table,
"*" after the leader) and, with --relations, its integrations.

Selectors name applications or units; only those are shown.`,
		examples: `
    juju-local status
    juju-local status --relations
    juju-local status --format yaml
    juju-local status hydra
    juju-local status --watch 2s`,
	}
}

func (c *statusCommand) setFlags(f *gnuflag.FlagSet) {
	c.setModelFlags(f)
	f.BoolVar(&c.isoTime, "utc", false, "Display timestamps in the UTC timezone")
	f.BoolVar(&c.color, "color", false, "Use ANSI color codes in tabular output")
	f.BoolVar(&c.noColor, "no-color", false, "Disable ANSI color codes in tabular output")
	f.BoolVar(&c.integrations, "integrations", false, "Same as `--relations`")
	f.BoolVar(&c.relations, "relations", false, "Show relations section in tabular output")
	f.BoolVar(&c.storage, "storage", false, "Show storage section in tabular output")
	f.IntVar(&c.retryCount, "retry-count", 3, "Number of times to retry API failures")
	f.DurationVar(&c.retryDelay, "retry-delay", 100*time.Millisecond, "Time to wait between retry attempts")
	f.DurationVar(&c.watch, "watch", 0, "Watch the status every period of time")
	c.out.AddFlags(f, "tabular", map[string]jujucmd.Formatter{
		"tabular": func(w io.Writer, v any) error { return formatStatusTabular(w, v.(formattedStatus)) },
		"yaml":    jujucmd.FormatYAML,
		"json":    jujucmd.FormatJSON,
	})
	c.flags = f
}

func (c *statusCommand) init(args []string) error {
	c.patterns = args
	if c.color && c.noColor {
		return errors.New("cannot mix --no-color and --color")
	}
	return nil
}

func (c *statusCommand) run(ctx context.Context, a *app) error {
	b, err := a.backend()
	if err != nil {
		return err
	}
	if c.out.Name() != "tabular" {
		var given []string
		c.flags.Visit(func(fl *gnuflag.Flag) {
			switch fl.Name {
			case "integrations", "relations", "storage":
				given = append(given, fl.Name)
			}
		})
		if len(given) > 0 {
			sort.Strings(given)
			msg := strings.Join(given, ", ") + " option is"
			if len(given) > 1 {
				msg = strings.Join(given, ", ") + " options are"
			}
			a.infof("provided %s always enabled in non tabular formats", msg)
		}
	}
	if c.watch > 0 {
		return c.watchStatus(ctx, a, b)
	}
	return c.once(ctx, a, b, a.stdout)
}

func (c *statusCommand) once(ctx context.Context, a *app, b api.Backend, w io.Writer) error {
	req := api.StatusRequest{Model: c.modelName(a), Patterns: c.patterns}
	var st api.Status
	var err error
	for attempt := 0; ; attempt++ {
		st, err = b.Status(ctx, req)
		var nr *api.NotRunningError
		if err == nil || !errors.As(err, &nr) || attempt >= c.retryCount {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(c.retryDelay):
		}
	}
	if err != nil {
		return err
	}
	fs := statusFormatter{status: st, isoTime: c.isoTime, loc: a.loc}.format()
	if c.out.Name() == "tabular" && !c.relations && !c.integrations {
		fs.Relations = nil
	}
	if w != a.stdout {
		return c.out.Formatter()(w, fs)
	}
	if err := c.out.write(a, fs); err != nil {
		return err
	}
	if len(st.Applications) > 0 {
		return nil
	}
	switch len(c.patterns) {
	case 0:
		// Juju prefixes the newline since juju/cmd 3.0.2 stopped adding one.
		a.infof("\nModel %q is empty.", c.modelName(a))
	case 1:
		a.infof("Nothing matched specified filter.")
	default:
		a.infof("Nothing matched specified filters.")
	}
	return nil
}

// watchStatus repaints the status every period until interrupted (Juju
// hands this to viddy; a plain repaint does the same job here).
func (c *statusCommand) watchStatus(ctx context.Context, a *app, b api.Backend) error {
	for {
		var buf bytes.Buffer
		if err := c.once(ctx, a, b, &buf); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			fmt.Fprintf(&buf, "ERROR %v\n", err)
		}
		fmt.Fprint(a.stdout, "\x1b[H\x1b[2J")
		fmt.Fprintf(a.stdout, "Every %s: juju-local status\n\n", c.watch)
		a.stdout.Write(buf.Bytes())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(c.watch):
		}
	}
}

// itoa is strconv.Itoa, for table cells.
func itoa(n int) string { return strconv.Itoa(n) }
