package transport

import (
	"fmt"
	"strings"
)

// Probes ride along with another script in the same round trip: the
// script, a marker line carrying the batch's nonce, then the batch. The
// output before the marker is the script's own.

// Len is the number of items the batch probes.
func (b *Batch) Len() int { return len(b.items) }

// AfterFacts runs facts (as the login user: sudo would drop
// SSH_CONNECTION), then the batch; through sudo when sudo is set. The
// probes reach sudo's shell through a quoted here-document. It carries
// the shell's tag: a timeout ends it too (killScript).
func (b *Batch) AfterFacts(facts string, sudo bool) string {
	var s strings.Builder
	fmt.Fprintf(&s, "(\n%s\n)\nprintf '\\n@@%s-facts-done\\n'\n", facts, b.nonce)
	if sudo {
		fmt.Fprintf(&s, "sudo -n -- /bin/sh -s ${clawrun_tag-} <<'CLAWRUN_%s'\nexport LC_ALL=C\n%s\nCLAWRUN_%s\n", b.nonce, b.Script(), b.nonce)
	} else {
		s.WriteString(b.Script())
	}
	return s.String()
}

// SplitFacts splits the output of AfterFacts into the facts' and the
// probes' parts; ok is false when the facts did not finish.
func (b *Batch) SplitFacts(stdout string) (facts, probes string, ok bool) {
	marker := "\n@@" + b.nonce + "-facts-done\n"
	i := strings.Index(stdout, marker)
	if i < 0 {
		return "", "", false
	}
	return stdout[:i], stdout[i+len(marker):], true
}

// AfterSteps is what follows a step script for the batch to ride along.
func (b *Batch) AfterSteps() string {
	return fmt.Sprintf("printf '@@%s-steps-done\\n'\n%s", b.nonce, b.Script())
}

// SplitSteps returns the probes' part of the output of a step script
// followed by AfterSteps.
func (b *Batch) SplitSteps(stdout string) (probes string, ok bool) {
	marker := "@@" + b.nonce + "-steps-done\n"
	i := strings.Index(stdout, marker)
	if i < 0 {
		return "", false
	}
	return stdout[i+len(marker):], true
}

// Cut returns s up to the batch's first marker: the steps' own output.
func (b *Batch) Cut(s string) string {
	if i := strings.Index(s, "@@"+b.nonce); i >= 0 {
		return s[:i]
	}
	return s
}
