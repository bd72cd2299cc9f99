package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Local runs scripts on the controller itself, in an environment
// without the controller's credentials (controllerEnv).
type Local struct {
	Password string
	stats    Stats
}

func (c *Local) Run(ctx context.Context, script string, become bool) (*Result, error) {
	become = become && os.Geteuid() != 0
	if become && c.Password != "" {
		return c.runPrompted(ctx, script)
	}
	args := strings.Fields(shellCommand(become))
	// A timeout ends the shell and what it started (its own process
	// group; sudo passes SIGTERM on).
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 2 * time.Second
	cmd.Env = controllerEnv()
	stdin := wrap(script)
	var errb bytes.Buffer
	out := &capped{max: maxStdout}
	ew := stderrWriter(ctx, &errb, &c.stats)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), out, ew
	err := cmd.Run()
	ew.(*noticeWriter).flush()
	if err := expired(ctx); err != nil {
		return nil, err
	}
	addStats(&c.stats, len(stdin), len(out.buf)+errb.Len())
	if err := out.overflow(); err != nil {
		return nil, err
	}
	return localResult(string(out.buf), errb.String(), err)
}

// runPrompted runs script through sudo with a password, written only when
// sudo prompts for it (sudoHandshake).
func (c *Local) runPrompted(ctx context.Context, script string) (*Result, error) {
	nonce := newNonce()
	cmd := exec.Command("/bin/sh", "-c", sudoPrompted(nonce))
	cmd.Env = controllerEnv()
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	stdin, err1 := cmd.StdinPipe()
	stderr, err2 := cmd.StderrPipe()
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	errs := pump(stderr)
	rest, err := sudoHandshake(stdin, errs, c.Password, nonce)
	if err != nil {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
		return nil, err
	}
	ew := stderrWriter(ctx, &errb, &c.stats)
	ew.Write(rest)
	body := wrap(script)
	go func() {
		io.WriteString(stdin, body)
		stdin.Close()
	}()
	for b := range errs {
		ew.Write(b)
	}
	err = cmd.Wait()
	ew.(*noticeWriter).flush()
	addStats(&c.stats, len(body), out.Len()+errb.Len())
	return localResult(out.String(), errb.String(), err)
}

func localResult(stdout, stderr string, err error) (*Result, error) {
	res := &Result{Stdout: stdout, Stderr: stderr}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.Code = ee.ExitCode()
		return res, nil
	}
	return res, err
}

func (c *Local) Stage(_ context.Context, data []byte) (string, error) {
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

func (c *Local) Stats() *Stats { return &c.stats }
func (c *Local) Close() error  { return nil }
