// Command broken does not compile; Build must surface the compiler error.
package main

func main() { undefinedFunction() }
