// Command charmpack builds and packs charms of this repository without
// charmcraft:
//
//	charmpack [-o build] charms/<name>...
//
// For each charm directory it validates charmcraft.yaml, compiles the
// directory's main package into a static Linux dispatch binary and writes
// <out>/<name>.charm, printing "<name>.charm <size>". Run it from the module
// root. It stops at the first error and exits non-zero.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmpack"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without process globals, so tests can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("charmpack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	outDir := fs.String("o", "build", "directory to write <name>.charm files to")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: charmpack [-o dir] charms/<name>...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		fmt.Fprintf(stderr, "charmpack: %v\n", err)
		return 1
	}
	for _, dir := range fs.Args() {
		res, err := packOne(ctx, dir, *outDir)
		if err != nil {
			fmt.Fprintf(stderr, "charmpack: %s: %v\n", dir, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s %d\n", filepath.Base(res.Path), res.Size)
	}
	return 0
}

func packOne(ctx context.Context, dir, outDir string) (charmpack.Result, error) {
	c, err := charmcraft.Load(dir)
	if err != nil {
		return charmpack.Result{}, err
	}
	// Validate before spending time on the compiler.
	if err := c.Validate(); err != nil {
		return charmpack.Result{}, err
	}
	archs := c.Architectures()
	if len(archs) != 1 {
		// One archive holds one dispatch binary, so it serves one
		// architecture; charmcraft would emit one .charm per platform.
		return charmpack.Result{}, fmt.Errorf("platforms list %d architectures %v; charmpack packs single-architecture charms", len(archs), archs)
	}
	tmp, err := os.MkdirTemp("", "charmpack-")
	if err != nil {
		return charmpack.Result{}, err
	}
	defer os.RemoveAll(tmp)
	dispatch := filepath.Join(tmp, charmpack.DispatchName)
	if err := charmpack.Build(ctx, charmpack.BuildOptions{
		Package: packagePath(dir),
		Output:  dispatch,
		GOARCH:  archs[0],
	}); err != nil {
		return charmpack.Result{}, err
	}
	return charmpack.Pack(charmpack.Options{
		Charm:    c,
		Dispatch: dispatch,
		Output:   filepath.Join(outDir, c.Name+".charm"),
	})
}

// packagePath turns a directory argument into a `go build` argument: a
// bare relative path such as "charms/x" would be read as an import path,
// so it needs a "./" prefix.
func packagePath(dir string) string {
	if filepath.IsAbs(dir) {
		return dir
	}
	p := filepath.ToSlash(filepath.Clean(dir))
	if p == "." || strings.HasPrefix(p, "../") {
		return p
	}
	return "./" + p
}
