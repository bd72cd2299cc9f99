package modules

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Wait waits, on the host, until a TCP port accepts connections or an
// HTTP URL answers as expected (state started), or until they stop
// (state stopped). It never changes anything: its plan has no steps,
// only a check that apply runs when the probe found the condition unmet.
type Wait struct {
	// Port is a TCP port to connect to on Address.
	Port int `hcl:"port,optional"`
	// Address is where Port is tried; default 127.0.0.1.
	Address string `hcl:"address,optional"`
	// HTTP is a URL fetched from the host (curl, wget, or bash's /dev/tcp
	// for plain http).
	HTTP string `hcl:"http,optional"`
	// Status is the HTTP status expected; default 200.
	Status int `hcl:"status,optional"`
	// Contains is text the response body must hold (one line).
	Contains string `hcl:"contains,optional"`
	// State is started (default: wait until up) or stopped (until down).
	State string `hcl:"state,optional"`
	// timeout is how long apply waits; default 60 s. It is the task's
	// timeout meta-attribute (see SetTimeout).
	timeout time.Duration
}

// TimeoutTaker is implemented by modules for which the task's timeout
// meta-attribute is their own setting (how long a wait waits).
type TimeoutTaker interface {
	SetTimeout(d time.Duration)
}

// SetTimeout sets how long apply waits.
func (w *Wait) SetTimeout(d time.Duration) { w.timeout = d }

var (
	_ Module       = (*Wait)(nil)
	_ Checker      = (*Wait)(nil)
	_ Stabler      = (*Wait)(nil)
	_ ReadOnly     = (*Wait)(nil)
	_ TimeoutTaker = (*Wait)(nil)
)

// ReadOnly is implemented by modules that never change a host (wait):
// a plan lists them as ok, handlers included.
type ReadOnly interface {
	ReadOnly()
}

// ReadOnly marks wait as never changing anything.
func (w *Wait) ReadOnly() {}

// waitProbeTimeout bounds one attempt (a filtered address never answers).
const waitProbeTimeout = 5

// Check validates the configuration.
func (w *Wait) Check(a Attrs) hcl.Diagnostics {
	diags := oneOf(a, "state", w.State, "started", "stopped")
	_, hasPort := a["port"]
	_, hasHTTP := a["http"]
	switch {
	case hasPort == hasHTTP:
		diags = append(diags, a.Diag("", "Invalid wait", "A wait task takes exactly one of port and http."))
	case hasPort:
		if w.Port < 0 || w.Port > 65535 || (w.Port == 0 && a["port"].Known) {
			diags = append(diags, a.Diag("port", "Invalid port", fmt.Sprintf("%d is not a TCP port (1-65535).", w.Port)))
		}
		for _, n := range []string{"status", "contains"} {
			if _, ok := a[n]; ok {
				diags = append(diags, a.Diag(n, "Invalid "+n, n+" goes with http, not port."))
			}
		}
	case hasHTTP:
		if _, ok := a["address"]; ok {
			diags = append(diags, a.Diag("address", "Invalid address", "address goes with port; an http wait takes the host from its URL."))
		}
		if w.HTTP != "" {
			if _, err := parseWaitURL(w.HTTP); err != nil {
				diags = append(diags, a.Diag("http", "Invalid http", err.Error()))
			}
		}
		if w.Status != 0 && (w.Status < 100 || w.Status > 599) {
			diags = append(diags, a.Diag("status", "Invalid status", fmt.Sprintf("%d is not an HTTP status.", w.Status)))
		}
		if strings.ContainsAny(w.Contains, "\n\r\x00") {
			diags = append(diags, a.Diag("contains", "Invalid contains", "contains is one line of text."))
		}
	}
	return diags
}

// waitURL is an http wait's URL, split for bash's /dev/tcp.
type waitURL struct {
	TLS              bool
	Host, Port, Path string
}

func parseWaitURL(s string) (waitURL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return waitURL{}, fmt.Errorf("%q is not a URL: %v", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return waitURL{}, fmt.Errorf("%q is not an http:// or https:// URL", s)
	}
	if u.User != nil {
		return waitURL{}, fmt.Errorf("the URL holds credentials; a wait fetches public health endpoints only")
	}
	w := waitURL{TLS: u.Scheme == "https", Host: u.Hostname(), Port: u.Port(), Path: u.RequestURI()}
	if w.Port == "" {
		w.Port = "80"
		if w.TLS {
			w.Port = "443"
		}
	}
	if _, err := strconv.Atoi(w.Port); err != nil {
		return waitURL{}, fmt.Errorf("%q has an invalid port", s)
	}
	return w, nil
}

func (w *Wait) address() string {
	if w.Address == "" {
		return "127.0.0.1"
	}
	return w.Address
}

// seconds is the timeout in whole seconds, rounded up; default 60.
func (w *Wait) seconds() int {
	if w.timeout <= 0 {
		return 60
	}
	return int((w.timeout + time.Second - 1) / time.Second)
}

func (w *Wait) status() int {
	if w.Status == 0 {
		return 200
	}
	return w.Status
}

// what names the condition for messages.
func (w *Wait) what() string {
	if w.HTTP != "" {
		s := fmt.Sprintf("%s to answer %d", w.HTTP, w.status())
		if w.Contains != "" {
			s += fmt.Sprintf(" with %q", w.Contains)
		}
		if w.State == "stopped" {
			s = w.HTTP + " to stop answering"
		}
		return s
	}
	if w.State == "stopped" {
		return fmt.Sprintf("%s:%d to refuse connections", w.address(), w.Port)
	}
	return fmt.Sprintf("%s:%d to accept connections", w.address(), w.Port)
}

// upFunc defines clawrun_up, which returns 0 when the port or URL is up,
// 1 when not, 2 when the host has no tool to tell. The URL, host, port
// and contains never reach a process's arguments (the host's process
// list is world-readable and a health URL may hold a token): curl and
// wget read the URL from stdin, bash's /dev/tcp gets its script from a
// here-document, and contains is matched by the shell itself.
func (w *Wait) upFunc() string {
	t := strconv.Itoa(min(waitProbeTimeout, max(w.seconds(), 1)))
	if w.HTTP == "" {
		a, p := Quote(w.address()), strconv.Itoa(w.Port)
		return "clawrun_up() {\n" +
			"  if command -v bash >/dev/null 2>&1; then\n" +
			"    timeout " + t + " bash -s >/dev/null 2>&1 <<'" + waitEOF + "' && return 0\n" +
			"exec 3<>\"/dev/tcp/\"" + a + "\"/" + p + "\"\n" + waitEOF + "\n" +
			"    return 1\n  fi\n" +
			// nc takes them as arguments: only on hosts without bash.
			"  if command -v nc >/dev/null 2>&1; then nc -z -w " + t + " " + a + " " + p + " >/dev/null 2>&1 && return 0; return 1; fi\n" +
			"  echo 'clawrun: wait needs bash or nc on the host to test a port' >&2; return 2\n}\n"
	}
	u, _ := parseWaitURL(w.HTTP)
	var b strings.Builder
	b.WriteString("clawrun_up() {\n")
	// A private folder for the response; removed when the check ends.
	b.WriteString("  d=$(mktemp -d) || return 2\n  code=\n")
	fmt.Fprintf(&b, "  if command -v curl >/dev/null 2>&1; then code=$(curl -s -o \"$d/b\" -w '%%{http_code}' --max-time %s --max-filesize 1048576 -K - 2>/dev/null <<'%s'\nurl = \"%s\"\n%s\n)\n", t, waitEOF, curlConfigEscape(w.HTTP), waitEOF)
	fmt.Fprintf(&b, "  elif command -v wget >/dev/null 2>&1; then wget -q -S -T %s -t 1 -O \"$d/b\" -i - 2>\"$d/h\" <<'%s'\n%s\n%s\n", t, waitEOF, w.HTTP, waitEOF)
	b.WriteString("    code=$(sed -n 's/^ *HTTP\\/[^ ]* \\([0-9][0-9]*\\).*/\\1/p' \"$d/h\" | tail -n 1)\n")
	if !u.TLS {
		req := fmt.Sprintf("GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", u.Path, u.Host)
		fmt.Fprintf(&b, "  elif command -v bash >/dev/null 2>&1; then timeout %s bash -s >\"$d/r\" 2>/dev/null <<'%s'\nexec 3<>\"/dev/tcp/\"%s\"/%s\" && printf %%s %s >&3 && head -c 1048576 <&3\n%s\n", t, waitEOF, Quote(u.Host), u.Port, Quote(req), waitEOF)
		b.WriteString("    code=$(head -n 1 \"$d/r\" | sed -n 's/^HTTP\\/[^ ]* \\([0-9][0-9]*\\).*/\\1/p'); sed '1,/^\\r*$/d' \"$d/r\" >\"$d/b\"\n")
	}
	b.WriteString("  else rm -rf \"$d\"; echo 'clawrun: wait needs curl, wget or bash on the host to fetch a URL' >&2; return 2; fi\n")
	fmt.Fprintf(&b, "  rc=1; if [ \"$code\" = %d ]; then rc=0; fi\n", w.status())
	if w.Contains != "" {
		// The shell matches: grep would carry contains in its arguments.
		fmt.Fprintf(&b, "  if [ \"$rc\" = 0 ]; then body=$(head -c 1048576 \"$d/b\" 2>/dev/null); c=%s; case $body in *\"$c\"*) ;; *) rc=1 ;; esac; fi\n", Quote(w.Contains))
	}
	b.WriteString("  rm -rf \"$d\"; return $rc\n}\n")
	return b.String()
}

// waitEOF ends the here-documents that carry a wait's URL and address;
// no line of them can equal it (they hold no newline but the request's
// CRLF-ended lines).
const waitEOF = "CLAWRUN_WAIT_EOF"

// curlConfigEscape quotes s for a double-quoted value in curl's config.
func curlConfigEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// Probe tries once, in a subshell (probes share one shell).
func (w *Wait) Probe() string {
	return "(\n" + w.upFunc() + "clawrun_up; rc=$?\nif [ \"$rc\" -eq 2 ]; then exit 2; fi\necho \"up=$rc\"\n)"
}

// Stable drops the probed state: whether a port is up now is no part of
// what a saved plan promises (a wait changes nothing).
func (w *Wait) Stable(string) string { return "" }

// Plan has nothing to do when the condition holds; else a check that
// polls once a second until it holds or the timeout passes.
func (w *Wait) Plan(_ *Host, out string) (*Plan, error) {
	m := kv(out)
	up, ok := m["up"]
	if !ok {
		return nil, fmt.Errorf("unexpected wait probe output %q", firstLine(out))
	}
	want := "0"
	if w.State == "stopped" {
		want = "1"
	}
	p := &Plan{}
	if up == want {
		return p, nil
	}
	p.add("~", "would wait for %s (up to %d s)", w.what(), w.seconds())
	p.Checks = append(p.Checks, Step{Desc: "wait", Script: w.pollScript()})
	return p, nil
}

func (w *Wait) pollScript() string {
	cond := "[ \"$rc\" -eq 0 ]"
	if w.State == "stopped" {
		cond = "[ \"$rc\" -ne 0 ]"
	}
	msg := fmt.Sprintf("timed out after %d s waiting for %s: see the service's log (journalctl -u UNIT), or raise timeout if it starts slowly", w.seconds(), w.what())
	return w.upFunc() +
		fmt.Sprintf("end=$(( $(date +%%s) + %d ))\n", w.seconds()) +
		fmt.Sprintf("printf '%%s\\n' %s >&2\n", Quote("clawrun-notice: waiting for "+w.what())) +
		"while :; do\n" +
		"  if clawrun_up; then rc=0; else rc=$?; fi\n" +
		"  if [ \"$rc\" -eq 2 ]; then exit 2; fi\n" +
		"  if " + cond + "; then exit 0; fi\n" +
		"  if [ \"$(date +%s)\" -ge \"$end\" ]; then printf '%s\\n' " + Quote("clawrun: "+msg) + " >&2; exit 1; fi\n" +
		"  sleep 1\n" +
		"done\n"
}
