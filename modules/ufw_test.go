package modules

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestUFWCommandsDriver runs the script ufwCommands builds with a stand-in
// python3 and ufw: the driver's exit status decides whether the commands
// run one by one (100: frontend unusable), fail the step, or are done.
func TestUFWCommandsDriver(t *testing.T) {
	cmds := []string{"ufw default deny incoming", "ufw allow in proto tcp from any to any port 22 comment 'it'\\''s ssh'"}
	cases := []struct {
		name    string
		python  int
		code    int
		cliRuns string
	}{
		{name: "driver did it", python: 0, code: 0, cliRuns: ""},
		{name: "frontend unusable: one by one", python: 100, code: 0,
			cliRuns: "default deny incoming\nallow in proto tcp from any to any port 22 comment it's ssh\n"},
		{name: "ufw refused", python: 1, code: 1, cliRuns: ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "log")
			write := func(name, body string) {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			// python3 must get the program with the command list.
			write("python3", "grep -q '^cmds = \\[\"ufw default deny incoming\",' || exit 9\nexit "+strconv.Itoa(c.python)+"\n")
			write("ufw", "echo \"$*\" >>"+log+"\n")
			cmd := exec.Command("/bin/sh", "-c", ufwCommands(cmds))
			cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			got, _ := os.ReadFile(log)
			if code != c.code || string(got) != c.cliRuns {
				t.Errorf("exit %d, ufw ran %q; want exit %d, %q", code, got, c.code, c.cliRuns)
			}
		})
	}
	if s := ufwCommands(cmds[:1]); strings.Contains(s, "python3") {
		t.Errorf("one command needs no driver:\n%s", s)
	}
}
