package main

import "os"

func main() {
	stop := startProfiles()
	code := run(os.Args[1:])
	stop()
	os.Exit(code)
}
