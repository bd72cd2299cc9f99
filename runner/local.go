package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
)

// localConn runs scripts on the controller itself.
type localConn struct {
	password string
	stats    Stats
}

func (c *localConn) Run(ctx context.Context, script string, become bool) (*Result, error) {
	become = become && os.Geteuid() != 0
	args := strings.Fields(shellCommand(become, c.password != ""))
	cmd := exec.Command(args[0], args[1:]...)
	stdin := wrap(script)
	if become && c.password != "" {
		stdin = c.password + "\n" + stdin
	}
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, stderrWriter(ctx, &errb)
	err := cmd.Run()
	c.stats.add(len(stdin), out.Len()+errb.Len())
	res := &Result{Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.Code = ee.ExitCode()
		return res, nil
	}
	return res, err
}

func (c *localConn) Stats() *Stats { return &c.stats }
func (c *localConn) Close() error  { return nil }
