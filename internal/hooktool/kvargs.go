package hooktool

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxArgBytes is the size above which a value (or all key=value arguments
// together) is sent as a YAML file on stdin instead of in argv. Linux caps
// a single argument at 128 KiB (MAX_ARG_STRLEN); 100 KiB leaves room.
const MaxArgBytes = 100 << 10

// kvArgs turns data into the arguments of relation-set or state-set.
// Small, argv-safe maps become sorted "k=v" arguments. Otherwise the whole
// map goes to stdin as YAML with "--file -" and no k=v arguments.
//
// Besides size, a pair must survive Juju's keyvalues.Parse unchanged to
// go in argv: the key may not contain "=" and neither key nor value may
// have surrounding white space (Parse trims it, which would corrupt e.g.
// a PEM ending in a newline); NUL bytes cannot be in argv at all.
func kvArgs(tool string, data map[string]string) (args []string, stdin []byte, err error) {
	keys := make([]string, 0, len(data))
	total := 0
	useFile := false
	for k, v := range data {
		if k == "" {
			return nil, nil, fmt.Errorf("%s: empty key", tool)
		}
		// Keys are names the charm chose; one that is not UTF-8 cannot be
		// a YAML mapping key that Juju's reader gives back unchanged.
		if !utf8.ValidString(k) {
			return nil, nil, fmt.Errorf("%s: key %q is not valid UTF-8", tool, strings.ToValidUTF8(k, "\ufffd"))
		}
		keys = append(keys, k)
		total += len(k) + len(v) + 1
		if len(v) > MaxArgBytes || !argSafe(k, v) {
			useFile = true
		}
	}
	sort.Strings(keys)
	if useFile || total > MaxArgBytes {
		doc, err := settingsYAML(keys, data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: encode settings file: %w", tool, err)
		}
		return []string{"--file", "-"}, doc, nil
	}
	args = make([]string, len(keys))
	for i, k := range keys {
		args[i] = k + "=" + data[k]
	}
	return args, nil, nil
}

func argSafe(k, v string) bool {
	return !strings.Contains(k, "=") &&
		strings.TrimSpace(k) == k && strings.TrimSpace(v) == v &&
		!strings.ContainsRune(k, 0) && !strings.ContainsRune(v, 0)
}

// settingsYAML renders data as a YAML mapping that Juju's yaml.v2 reader
// turns back into exactly data: every key is a double-quoted string, so
// nothing is read as a number, a boolean, null or the merge key "<<".
// Values are left to yaml.v3, which quotes what YAML 1.1 could misread and
// writes non-UTF-8 bytes as !!binary, which yaml.v2 decodes into a string.
// keys are data's keys, sorted.
func settingsYAML(keys []string, data map[string]string) ([]byte, error) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range keys {
		var v yaml.Node
		if err := v.Encode(data[k]); err != nil {
			return nil, err
		}
		m.Content = append(m.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: k}, &v)
	}
	return yaml.Marshal(m)
}
