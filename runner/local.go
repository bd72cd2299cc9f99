package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// localConn runs scripts on the controller itself.
type localConn struct {
	password string
	stats    Stats
}

func (c *localConn) Run(ctx context.Context, script string, become bool) (*Result, error) {
	become = become && os.Geteuid() != 0
	args := strings.Fields(shellCommand(become, c.password != ""))
	// A timeout ends the shell and what it started (its own process
	// group; sudo passes SIGTERM on).
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 2 * time.Second
	stdin := stdinFor(script, become, c.password)
	var errb bytes.Buffer
	out := &capped{max: maxStdout}
	ew := stderrWriter(ctx, &errb, &c.stats)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), out, ew
	err := cmd.Run()
	ew.(*noticeWriter).flush()
	if err := expired(ctx); err != nil {
		return nil, err
	}
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
