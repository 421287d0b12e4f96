package hooktool

import (
	"fmt"
	"sort"
	"strings"

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
		keys = append(keys, k)
		total += len(k) + len(v) + 1
		if len(v) > MaxArgBytes || !argSafe(k, v) {
			useFile = true
		}
	}
	if useFile || total > MaxArgBytes {
		// yaml.v3 sorts map keys and quotes anything YAML 1.1 (Juju's
		// yaml.v2 reader) could read as a non-string.
		doc, err := yaml.Marshal(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: encode settings file: %w", tool, err)
		}
		return []string{"--file", "-"}, doc, nil
	}
	sort.Strings(keys)
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
