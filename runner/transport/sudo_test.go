package transport

import (
	"bytes"
	"strings"
	"testing"
)

// TestSudoHandshake: the password is written only after sudo's prompt,
// once; a second prompt (wrong password) fails without writing it again.
func TestSudoHandshake(t *testing.T) {
	const nonce = "n0nce"
	prompt, ready := "clawrun-sudo-"+nonce+": ", "clawrun-ready-"+nonce+"\n"
	cases := []struct {
		name    string
		chunks  []string
		written string
		rest    string
		err     string
	}{
		{name: "no password needed", chunks: []string{ready + "tail"}, written: "", rest: "tail"},
		{name: "prompt then shell", chunks: []string{"lecture\n" + prompt, "\n" + ready}, written: "pw;touch x\n"},
		{name: "prompt split across chunks", chunks: []string{"clawrun-sudo-", nonce + ": ", ready}, written: "pw;touch x\n"},
		{name: "wrong password", chunks: []string{prompt, "Sorry, try again.\n" + prompt}, written: "pw;touch x\n", err: "sudo refused the password"},
		{name: "sudo exits", chunks: []string{"sudo: a terminal is required\n"}, err: "sudo did not start a root shell: sudo: a terminal is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := make(chan []byte, len(c.chunks))
			for _, ch := range c.chunks {
				errs <- []byte(ch)
			}
			close(errs)
			var stdin bytes.Buffer
			rest, err := sudoHandshake(&stdin, errs, "pw;touch x", nonce)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Errorf("err = %v, want %q", err, c.err)
				}
			} else if err != nil || string(rest) != c.rest {
				t.Errorf("rest %q err %v", rest, err)
			}
			if stdin.String() != c.written {
				t.Errorf("wrote %q, want %q", stdin.String(), c.written)
			}
		})
	}
}

// TestControllerEnv: controller-side shells see no credential.
func TestControllerEnv(t *testing.T) {
	t.Setenv("CLAWRUN_BECOME_PASSWORD", "pw-1")
	t.Setenv("CLAWRUN_KEY_PASSPHRASE", "pp-1")
	t.Setenv("CLAWRUN_PLAN_KEY", "pk-1")
	t.Setenv("CLAWRUN_VAR_token", "tk-1")
	res, err := (&Local{}).Run(t.Context(), "env", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"pw-1", "pp-1", "pk-1", "tk-1"} {
		if strings.Contains(res.Stdout, v) {
			t.Errorf("%s in a local task's environment", v)
		}
	}
}
