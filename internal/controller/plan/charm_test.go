package plan

import (
	"path/filepath"
	"testing"

	"github.com/juju/charm/v12"

	"github.com/identity-platform-go/charms/internal/charmcraft"
	"github.com/identity-platform-go/charms/internal/charmpack"
)

// packEcho packs the charmcraft fixture into a .charm archive with a stub
// dispatch, as `make charms` would (without the compiler).
func packEcho(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("testdata", "charmcraft", "echo")
	def, err := charmcraft.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "echo.charm")
	if _, err := charmpack.Pack(charmpack.Options{Charm: def, Dispatch: filepath.Join(dir, "dispatch"), Output: out}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLoadCharm(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	garbage := writeFile(t, tmp, "garbage.charm", "not a zip")
	badDefault := filepath.Dir(writeFile(t, tmp, "bad-default/charmcraft.yaml", `
name: bad-default
type: charm
summary: s
description: d
base: ubuntu@22.04
platforms:
  amd64:
config:
  options:
    port:
      type: int
      default: abc
`))
	typo := filepath.Dir(writeFile(t, tmp, "typo/charmcraft.yaml", `
name: typo
type: charm
summary: s
description: d
requries: {}
`))
	tests := []struct {
		name, path string
		want       string // error; "" for success
		wantName   string
		wantDef    bool // charmcraft model loaded
		dispatch   bool
		format     charm.Format
	}{
		{name: "metadata.yaml directory", path: fixture("db"), wantName: "db", format: charm.FormatV1},
		{name: "charmcraft.yaml directory", path: filepath.Join("testdata", "charmcraft", "echo"), wantName: "echo", wantDef: true, dispatch: true, format: charm.FormatV2},
		{name: "archive", path: packEcho(t), wantName: "echo", format: charm.FormatV2},
		{name: "missing", path: filepath.Join(tmp, "nope"), want: `no charm or bundle at "` + filepath.Join(tmp, "nope") + `": file does not exist`},
		{name: "not a zip", path: garbage, want: `invalid charm or bundle provided at "` + garbage + `"`},
		{name: "empty directory", path: t.TempDir(), want: `~: reading "metadata.yaml" file: open `},
		{name: "unknown option type", path: fixture("bad-config"),
			want: `attempting to deploy "testdata/charms/bad-config": parsing "config.yaml" file: invalid config: option "port" has unknown type "integer"`},
		{name: "bad action name", path: fixture("bad-actions"), want: `~bad action name Bad_Name`},
		{name: "bad default in charmcraft.yaml (Juju's verdict)", path: badDefault,
			want: `~invalid config default: option "port" expected int, got "abc"`},
		{name: "typo in charmcraft.yaml (our strict decoding)", path: typo, want: `~field requries not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ch, err := LoadCharm(tt.path)
			checkErr(t, err, tt.want)
			if err != nil {
				return
			}
			if ch.Name() != tt.wantName {
				t.Errorf("Name() = %q, want %q", ch.Name(), tt.wantName)
			}
			if (ch.Def != nil) != tt.wantDef {
				t.Errorf("Def = %v, want loaded=%v", ch.Def, tt.wantDef)
			}
			if (ch.Dispatch != "") != tt.dispatch {
				t.Errorf("Dispatch = %q, want present=%v", ch.Dispatch, tt.dispatch)
			}
			if f := charm.MetaFormat(ch.Juju); f != tt.format {
				t.Errorf("MetaFormat = %v, want %v", f, tt.format)
			}
			if !filepath.IsAbs(ch.Path) {
				t.Errorf("Path %q is not absolute", ch.Path)
			}
		})
	}
}
