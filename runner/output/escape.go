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

// mdText makes host text (a host or task name) plain text in markdown,
// in a table cell or a heading: control characters print as \xNN (as in
// text output), newlines as \n, HTML's <, > and & as entities, and
// markdown's punctuation (| ` * _ [ ] # ! ~ \) is backslash-escaped, so a
// name cannot end a table cell or heading, open a code span or a link,
// or inject HTML.
func mdText(s string) string {
	s = termSafe(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\n':
			b.WriteString(`\\n`)
		case '\t':
			b.WriteString(`\\t`)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '|', '`', '*', '_', '[', ']', '#', '!', '~', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// codeSpan puts a task name in a markdown code span: control characters
// as \xNN, newlines as \n, and delimiters longer than any run of
// backticks in it, so the name cannot close the span (CommonMark).
func codeSpan(s string) string {
	s = strings.NewReplacer("\n", `\n`, "\t", `\t`).Replace(termSafe(s))
	f := fence(s)
	if len(f) == 3 && !strings.Contains(s, "`") {
		f = "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return f + s + f
}
