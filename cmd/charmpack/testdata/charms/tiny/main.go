// Command tiny is a fixture charm for the charmpack CLI tests.
package main

func main() {}
