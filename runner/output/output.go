package output

import (
	"fmt"
	"io"

	"github.com/clawrun/clawrun/runner/event"
)

// Config is what the command line decided about a run's output; each
// format reads the fields it needs.
type Config struct {
	W     io.Writer
	Color bool
	// Diffs prints diffs of changed tasks (text: always in plan, --diff
	// in apply).
	Diffs bool
	// Verbose prints ok and skipped tasks and command output too (text).
	Verbose bool
	// Stats prints per-host connection counters with the recap (text).
	Stats bool
	// Progress, when set (a terminal), receives a live status line (text).
	Progress io.Writer
	// Playbook, Inventory, Limit and Commit head the summary (markdown).
	Playbook, Inventory, Limit, Commit string
	// Missing names hosts a merged review does not cover (markdown).
	Missing []string
}

// New returns the renderer of a format: text, json or markdown. A new
// format is a renderer here and a case below.
func New(format string, c Config) (event.Renderer, error) {
	switch format {
	case "text":
		return &TextRenderer{W: c.W, Color: c.Color, Diffs: c.Diffs, Verbose: c.Verbose, Stats: c.Stats, Progress: c.Progress}, nil
	case "json":
		return &JSONRenderer{W: c.W}, nil
	case "markdown":
		return &MarkdownRenderer{W: c.W, Playbook: c.Playbook, Inventory: c.Inventory, Limit: c.Limit, Commit: c.Commit, Missing: c.Missing}, nil
	}
	return nil, fmt.Errorf("unknown --format %q (text, json, markdown)", format)
}
