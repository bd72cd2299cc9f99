package testbed

import (
	"os"
	"path/filepath"
)

// RequiredMarker is the file .ci/run writes while it runs: real-host tests
// must then fail instead of skipping. A file, beside the environment
// variable CLAWRUN_REQUIRE_TESTBED, because sudo strips the environment.
func RequiredMarker() string {
	return filepath.Join(filepath.Dir(Script()), "..", "..", ".ci", "require-testbed")
}

// Required reports whether a testbed that cannot start is an error (CI)
// rather than a reason to skip.
func Required() bool {
	if os.Getenv("CLAWRUN_REQUIRE_TESTBED") != "" || os.Getenv("CI") != "" {
		return true
	}
	_, err := os.Stat(RequiredMarker())
	return err == nil
}
