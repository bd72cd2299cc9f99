package output

import (
	"fmt"
	"strings"
)

// termSafe makes host text harmless on a terminal: control characters
// (escape sequences, carriage returns, backspaces, C1 controls) print as
// \xNN, so a file's content or a host's error cannot move the cursor,
// rewrite earlier lines or change the terminal's state. Newlines and tabs
// are kept.
func termSafe(s string) string {
	clean := true
	for _, r := range s {
		if isCtl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isCtl(r) {
			fmt.Fprintf(&b, `\x%02x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isCtl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0) || r == 0x2028 || r == 0x2029 || r == 0xfeff
}

// fence returns a code fence longer than any run of backticks in s, so
// that host content inside it cannot close it (CommonMark).
func fence(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}
