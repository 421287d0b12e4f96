// Command stubcharm is a minimal main package for Build tests.
package main

func main() {}
