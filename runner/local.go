package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	stdin := stdinFor(script, become, c.password)
	var errb bytes.Buffer
	out := &capped{max: maxStdout}
	ew := stderrWriter(ctx, &errb, &c.stats)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), out, ew
	err := cmd.Run()
	ew.(*noticeWriter).flush()
	c.stats.add(len(stdin), len(out.buf)+errb.Len())
	if err := out.overflow(); err != nil {
		return nil, err
	}
	res := &Result{Stdout: string(out.buf), Stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.Code = ee.ExitCode()
		return res, nil
	}
	return res, err
}

func (c *localConn) Stage(_ context.Context, data []byte) (string, error) {
	f, err := os.CreateTemp("", "clawrun-stage-*")
	if err != nil {
		return "", fmt.Errorf("stage upload: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("stage upload: %w", err)
	}
	return f.Name(), nil
}

func (c *localConn) Stats() *Stats { return &c.stats }
func (c *localConn) Close() error  { return nil }
