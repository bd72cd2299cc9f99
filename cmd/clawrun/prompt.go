package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/planfile"
	"github.com/clawrun/clawrun/runner/transport"
	"golang.org/x/term"
)

// terminalPrompt asks on the controlling terminal with echo off; nil when
// there is none (CI), where the environment variables are the way.
func terminalPrompt() func(string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil
	}
	if !term.IsTerminal(int(tty.Fd())) {
		tty.Close()
		return nil
	}
	return func(prompt string) (string, error) {
		fmt.Fprint(tty, prompt)
		b, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
		return strings.TrimRight(string(b), "\r\n"), err
	}
}

// dialOptions gathers the SSH settings of the command line: the become
// password from CLAWRUN_BECOME_PASSWORD or, with --ask-become-pass, typed
// once without echo; encrypted keys' passphrases from
// CLAWRUN_KEY_PASSPHRASE or asked on the terminal.
func dialOptions(f *flags) (transport.DialOptions, error) {
	o := transport.DialOptions{AcceptNewHostKeys: f.acceptNewHostKeys,
		BecomePassword: os.Getenv("CLAWRUN_BECOME_PASSWORD"), Passphrase: os.Getenv("CLAWRUN_KEY_PASSPHRASE"),
		Prompt: terminalPrompt()}
	if f.askBecomePass && o.BecomePassword == "" {
		if o.Prompt == nil {
			return o, errors.New("--ask-become-pass needs a terminal; set CLAWRUN_BECOME_PASSWORD instead")
		}
		pw, err := o.Prompt("BECOME password: ")
		if err != nil {
			return o, fmt.Errorf("read become password: %w", err)
		}
		if pw == "" {
			return o, errors.New("empty become password")
		}
		o.BecomePassword = pw
	}
	// sudo reads the password up to the first newline: the rest would be
	// read by the root shell as commands. Refuse before any host is contacted.
	if strings.ContainsAny(o.BecomePassword, "\n\r\x00") {
		return o, errors.New("the become password contains a newline, carriage return or NUL byte, which sudo cannot take (the rest would run as a command): set CLAWRUN_BECOME_PASSWORD to the password alone")
	}
	return o, nil
}

// addControllerSecrets records the controller's credentials (become
// password, key passphrase, plan key from CLAWRUN_PLAN_KEY or the key
// file) so that no output shows them, in any encoded form.
func addControllerSecrets(s *playbooks.Secrets, o transport.DialOptions) {
	for _, name := range []string{"CLAWRUN_BECOME_PASSWORD", "CLAWRUN_KEY_PASSPHRASE", "CLAWRUN_PLAN_KEY"} {
		s.Add(os.Getenv(name))
	}
	s.Add(o.BecomePassword)
	s.Add(o.Passphrase)
	s.Add(planfile.KeyValue())
}
