// Command nocompile is a fixture charm whose build fails.
package main

func main() { notDefined() }
