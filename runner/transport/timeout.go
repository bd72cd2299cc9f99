package transport

import (
	"context"
	"fmt"
	"time"
)

// ProbeTimeout bounds a round trip of probes when none of its tasks has a
// timeout: probes only read, but one can hang on a lock or a dead mount,
// and apt's simulation updates lists in a temporary directory.
var ProbeTimeout = 5 * time.Minute

// TimeoutKind says whose limit a script ran past.
type TimeoutKind int

const (
	TaskTimeout      TimeoutKind = iota // a task's steps, its timeout
	probeTimeout                        // probes, the default ProbeTimeout
	probeTaskTimeout                    // probes, their tasks' timeout
)

// ProbeLimit bounds a round trip of probes: the longest timeout among its
// tasks that set one, else ProbeTimeout.
func ProbeLimit(timeouts []time.Duration) (time.Duration, TimeoutKind) {
	var limit time.Duration
	for _, t := range timeouts {
		limit = max(limit, t)
	}
	if limit <= 0 {
		return ProbeTimeout, probeTimeout
	}
	return limit, probeTaskTimeout
}

// timeoutError ends a script that ran past its limit. The shell it ran in
// is discarded (it may still be busy), so the next script gets a fresh one.
type timeoutError struct {
	limit time.Duration
	kind  TimeoutKind
}

func (e *timeoutError) Error() string {
	switch e.kind {
	case probeTimeout:
		return fmt.Sprintf("the probes did not finish within %s (the limit for probes of tasks without a timeout): a command on the host hangs (a lock held by another process, a stuck mount); its processes were ended. Check the host, or set the task's timeout if its probe needs longer", e.limit)
	case probeTaskTimeout:
		return fmt.Sprintf("the probes did not finish within the task's timeout (%s): a command on the host hangs (a lock held by another process, a stuck mount); its processes were ended. Check what blocks it on the host (an unless or only_if command, a lock), or raise the task's timeout", e.limit)
	}
	return fmt.Sprintf("the task's steps did not finish within its timeout (%s): a command on the host hangs or takes longer; its processes were ended. Check what blocks it on the host, or raise the task's timeout", e.limit)
}

func WithTimeout(ctx context.Context, d time.Duration, kind TimeoutKind) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, &timeoutError{limit: d, kind: kind})
}

// expired reports a context that ended by its timeout, with its cause.
func expired(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}
