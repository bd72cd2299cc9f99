package runner

import (
	"context"

	"github.com/clawrun/clawrun/inventory"
	"github.com/clawrun/clawrun/runner/transport"
)

// dial opens a connection to a remote host: Options.Connect when set (a
// fake host in tests), else SSH.
func (r *Run) dial(ctx context.Context, h *inventory.Host) (transport.Conn, error) {
	if r.opts.Connect != nil {
		return r.opts.Connect(ctx, h)
	}
	c, err := transport.DialSSH(ctx, h, r.opts.Dial)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return c, nil
}
