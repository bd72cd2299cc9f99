package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/clawrun/clawrun/modules"
	"golang.org/x/crypto/ssh"
)

// remoteShell is one long-lived /bin/sh on a host (through sudo for
// become) that runs the connection's scripts one after another. A session
// and a sudo for every round trip cost the host more than most scripts
// do: sshd forks and execs the login shell, sudo runs PAM and writes the
// journal. A running shell costs one fork per script.
//
// Each script runs in a subshell, as the argument of eval, with stdin
// from /dev/null: exit, exec, cd, set -e and traps end with it, a syntax
// error fails that script only, and nothing can read the requests that
// follow. After it, the shell prints a marker with a fresh nonce and the
// exit status on stdout and a marker on stderr; everything before them is
// the script's output, byte for byte.
type remoteShell struct {
	mu       sync.Mutex
	sess     *ssh.Session
	stdin    io.WriteCloser
	out, err chan []byte // chunks as they arrive; closed at EOF
	exited   chan struct{}
	exitErr  error // the session's end (after exited is closed)
	// errRest is stderr read with sudo's greeting, owed to the first script.
	errRest []byte
	// tag is the shell's argument, which finds its processes (killScript).
	tag string
}

func (c *sshConn) startShell(become bool) (*remoteShell, error) {
	sess, err := c.client.NewSession()
	if err != nil {
		return nil, c.lost(fmt.Errorf("%w: open session: %v", ErrUnreachable, err))
	}
	stdin, err1 := sess.StdinPipe()
	stdout, err2 := sess.StdoutPipe()
	stderr, err3 := sess.StderrPipe()
	if err := errors.Join(err1, err2, err3); err != nil {
		sess.Close()
		return nil, fmt.Errorf("open session: %w", err)
	}
	// A root login runs become's scripts itself: no sudo needed or invoked.
	become = become && !c.root
	prompted := become && c.password != ""
	nonce := newNonce()
	tag := "clawrun-sh-" + nonce
	cmdline := taggedShell(become, tag)
	if prompted {
		cmdline = sudoPrompted(nonce)
	}
	if err := sess.Start(cmdline); err != nil {
		sess.Close()
		return nil, c.lost(fmt.Errorf("%w: start shell: %v", ErrUnreachable, err))
	}
	atomic.AddInt64(&c.stats.Sessions, 1)
	sh := &remoteShell{sess: sess, stdin: stdin, out: pump(stdout), err: pump(stderr), exited: make(chan struct{}), tag: tag}
	go func() {
		sh.exitErr = sess.Wait()
		close(sh.exited)
	}()
	if prompted {
		rest, err := sudoHandshake(stdin, sh.err, c.password, nonce)
		if err != nil {
			sh.close()
			return nil, c.lost(err)
		}
		sh.errRest = rest
	}
	return sh, nil
}

// pump turns a stream into chunks on a channel. One read buffer per
// stream, each chunk a copy of what was read: a fresh 32 KiB buffer per
// read (most are a few bytes) was most of the controller's allocation at
// hundreds of hosts.
func pump(r io.Reader) chan []byte {
	ch := make(chan []byte, 16)
	go func() {
		defer close(ch)
		b := make([]byte, 32<<10)
		for {
			n, err := r.Read(b)
			if n > 0 {
				ch <- bytes.Clone(b[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

// run sends one script and collects its output. ended reports that the
// shell is gone (it must not be used again).
func (sh *remoteShell) run(ctx context.Context, script string, st *Stats) (res *Result, ended bool, err error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	nonce := newNonce()
	// $1 is the shell's tag; clawrun_tag passes it to a nested sudo.
	req := "( eval " + modules.Quote("set --; clawrun_tag="+sh.tag+"\n"+wrap(script)) + "\n) </dev/null\n" +
		"clawrun_rc=$?; printf '@@" + nonce + " %d\\n' \"$clawrun_rc\"; printf '@@" + nonce + "\\n' >&2\n"
	go io.WriteString(sh.stdin, req)

	outScan := &markScan{mark: []byte("@@" + nonce + " ")}
	errScan := &markScan{mark: []byte("@@" + nonce)}
	out := &capped{max: maxStdout}
	var errb bytes.Buffer
	ew := stderrWriter(ctx, &errb, st).(*noticeWriter)
	var down int64
	code := -1
	outDone, errDone := false, false
	if rest := sh.errRest; rest != nil {
		// stderr read with sudo's greeting belongs to the first script.
		sh.errRest = nil
		before, _, done := errScan.feed(rest)
		ew.Write(before)
		errDone = done
	}
	for !outDone || !errDone {
		select {
		case <-ctx.Done():
			// Past its timeout: the shell is busy and is discarded;
			// the caller ends what it started (endShell).
			return nil, true, context.Cause(ctx)
		case b, ok := <-sh.out:
			if !ok {
				outDone, ended = true, true
				out.Write(outScan.rest())
				continue
			}
			down += int64(len(b))
			before, text, done := outScan.feed(b)
			out.Write(before)
			if done {
				code, _ = strconv.Atoi(string(text))
				outDone = true
			}
		case b, ok := <-sh.err:
			if !ok {
				errDone, ended = true, true
				ew.Write(errScan.rest())
				continue
			}
			down += int64(len(b))
			// Notices are shown while a step waits: pass on what
			// surely precedes the marker now.
			before, _, done := errScan.feed(b)
			ew.Write(before)
			errDone = done
		}
	}
	ew.flush()
	atomic.AddInt64(&st.RoundTrips, 1)
	atomic.AddInt64(&st.BytesUp, int64(len(req)))
	atomic.AddInt64(&st.BytesDown, down)
	if err := out.overflow(); err != nil && !ended {
		return nil, false, err
	}
	res = &Result{Stdout: string(out.buf), Stderr: errb.String(), Code: code}
	if !ended {
		return res, false, nil
	}
	// The shell ended before the markers: sudo refused, or the
	// connection or the host went away.
	<-sh.exited
	var ee *ssh.ExitError
	if errors.As(sh.exitErr, &ee) {
		res.Code = ee.ExitStatus()
		return res, true, nil
	}
	if sh.exitErr == nil {
		res.Code = 0
		return res, true, errors.New("the remote shell ended unexpectedly")
	}
	return nil, true, fmt.Errorf("%w: %v", ErrUnreachable, sh.exitErr)
}

func (sh *remoteShell) close() {
	sh.stdin.Close()
	sh.sess.Close()
	// A shell ended by a timeout still has output on the way.
	go func() {
		for range sh.out {
		}
	}()
	go func() {
		for range sh.err {
		}
	}()
}
