package main

import (
	"strings"
	"testing"
)

// A become password with a line break would be cut by sudo at the first
// newline and the rest read by the root shell: refused before any dial.
func TestDialOptionsRefusesMultilinePassword(t *testing.T) {
	for name, pw := range map[string]string{
		"newline": "pw\ntouch /tmp/pwned",
		"cr":      "pw\rtouch /tmp/pwned",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("CLAWRUN_BECOME_PASSWORD", pw)
			_, err := dialOptions(&flags{})
			if err == nil || !strings.Contains(err.Error(), "newline") {
				t.Fatalf("dialOptions accepted %q: %v", pw, err)
			}
			if strings.Contains(err.Error(), "pwned") {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
	t.Setenv("CLAWRUN_BECOME_PASSWORD", "plain pw")
	if _, err := dialOptions(&flags{}); err != nil {
		t.Fatalf("plain password refused: %v", err)
	}
}
