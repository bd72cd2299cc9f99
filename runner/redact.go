package runner

import (
	"fmt"
	"strings"

	"github.com/clawrun/clawrun/playbooks"
)

// redactDiff hides the old side of secrets in a unified diff. Redact only
// knows this run's values; the value a secret replaces is on the host and
// unknown to clawrun. So in every change block (a run of - and + lines) in
// which any line carries a secret, the removed lines are shown as
// "-(sensitive value)"; added lines keep their redacted text. When carries
// is set (the task writes a sensitive value into this file), every context
// and removed line is hidden: the rest of such a file (other hosts' tokens,
// other credentials) is as likely to be secret. Lines outside hunks (file
// headers, summaries of binary content) are only redacted.
func redactDiff(diff string, secrets *playbooks.Secrets, carries bool) string {
	if diff == "" {
		return diff
	}
	lines := strings.SplitAfter(diff, "\n")
	var b strings.Builder
	hidden := func(sign string, l string) string {
		nl := ""
		if strings.HasSuffix(l, "\n") {
			nl = "\n"
		}
		return sign + playbooks.Redacted + nl
	}
	oldLeft, newLeft := 0, 0
	var block []string
	flush := func() {
		secret := carries
		for _, l := range block {
			if secrets.Contains(l[1:]) {
				secret = true
			}
		}
		for _, l := range block {
			switch {
			case l[0] == '-' && secret:
				b.WriteString(hidden("-", l))
			default:
				b.WriteString(secrets.Redact(l))
			}
		}
		block = block[:0]
	}
	for _, l := range lines {
		if l == "" {
			continue
		}
		if oldLeft > 0 || newLeft > 0 {
			switch l[0] {
			case '-':
				oldLeft--
				block = append(block, l)
				continue
			case '+':
				newLeft--
				block = append(block, l)
				continue
			case ' ':
				oldLeft--
				newLeft--
				flush()
				if carries {
					b.WriteString(hidden(" ", l))
				} else {
					b.WriteString(secrets.Redact(l))
				}
				continue
			case '\\': // "\ No newline at end of file"
				flush()
				b.WriteString(l)
				continue
			}
			oldLeft, newLeft = 0, 0 // malformed: treat the rest as headers
		}
		flush()
		var o1, o2, n1, n2 int
		if strings.HasPrefix(l, "@@ ") {
			if _, err := fmt.Sscanf(hunkCounts(l), "-%d,%d +%d,%d", &o1, &o2, &n1, &n2); err == nil {
				oldLeft, newLeft = o2, n2
			}
		}
		b.WriteString(secrets.Redact(l))
	}
	flush()
	return b.String()
}

// hunkCounts returns "-a,b +c,d" of a hunk header, with omitted counts
// (which mean 1) written out.
func hunkCounts(header string) string {
	f := strings.Fields(header)
	if len(f) < 3 {
		return ""
	}
	fix := func(r string) string {
		if !strings.Contains(r, ",") {
			return r + ",1"
		}
		return r
	}
	return fix(f[1]) + " " + fix(f[2])
}
