package runner

import (
	"context"
	"fmt"
	"time"
)

// ProbeTimeout bounds a round trip of probes, unless a task's timeout is
// longer: probes only read, but one can hang on a lock or a dead mount,
// and apt's simulation updates lists in a temporary directory.
var ProbeTimeout = 5 * time.Minute

// timeoutError ends a script that ran past its limit. The shell it ran in
// is discarded (it may still be busy), so the next script gets a fresh one.
type timeoutError struct {
	limit time.Duration
	what  string // "task" or "probe"
}

func (e *timeoutError) Error() string {
	if e.what == "probe" {
		return fmt.Sprintf("the probes did not finish within %s: a command on the host hangs (a lock held by another process, a stuck mount); the shell was ended. Check the host, or give the task a longer timeout", e.limit)
	}
	return fmt.Sprintf("the task's steps did not finish within its timeout (%s): a command on the host hangs or takes longer; the shell was ended. Check what blocks it on the host, or raise the task's timeout", e.limit)
}

func withTimeout(ctx context.Context, d time.Duration, what string) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, &timeoutError{limit: d, what: what})
}

// expired reports a context that ended by its timeout, with its cause.
func expired(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}
