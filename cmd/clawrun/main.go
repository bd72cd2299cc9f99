// Command clawrun pushes configuration to Linux hosts over SSH.
package main

import "os"

func main() { os.Exit(run(os.Args[1:])) }
