// Command binarycharm is the dispatch binary of charmtest's RunBinary
// tests.
package main

import (
	"github.com/identity-platform-go/charms/internal/charm"
	"github.com/identity-platform-go/charms/internal/charmtest/testdata/binarycharm/writer"
)

func main() { charm.Main(writer.Charm{}) }
