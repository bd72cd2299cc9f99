// Command clawrun pushes configuration to Linux hosts over SSH.
package main

import "os"

func main() {
	stop := startProfiles()
	code := run(os.Args[1:])
	stop()
	os.Exit(code)
}
