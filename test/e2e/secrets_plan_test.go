package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/test/testbed"
)

// noLeak fails the test for every secret found in out.
func noLeak(t *testing.T, what, out string, secrets map[string]string) {
	t.Helper()
	for name, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("%s: %s appears in the output", what, name)
		}
	}
}

// TestSudoPasswordNeverRun: on a host where sudo needs no password, a
// CLAWRUN_BECOME_PASSWORD that is also shell is never read by the root
// shell (it is written only when sudo prompts); a wrong password on a host
// that asks fails clearly; neither shows in any output; controller-side
// tasks do not see it in their environment.
func TestSudoPasswordNeverRun(t *testing.T) {
	tb := testbed.Get(t)
	const pw = "pw;touch /tmp/clawsecp-x;echo pwned-c41e"
	dir := t.TempDir()
	envFile := filepath.Join(dir, "delegate.env")
	writeFile(t, dir, "pb.hcl", fmt.Sprintf(`task "file" "motd" {
  path    = "/etc/clawsecp-motd"
  content = "hello\n"
}

task "command" "controller_env" {
  delegate = "local"
  cmd      = "env > %s"
}
`, envFile))
	tb.MustSSH(t, "h1", "rm -f /tmp/clawsecp-x /etc/clawsecp-motd")
	t.Cleanup(func() { tb.SSH(t, "h1", "rm -f /tmp/clawsecp-x /etc/clawsecp-motd") })
	env := []string{"CLAWRUN_BECOME_PASSWORD=" + pw, "CLAWRUN_KEY_PASSPHRASE=passphrase-9d2f7e", "CLAWRUN_VAR_unused=var-5a1c"}
	var out strings.Builder
	for _, args := range [][]string{
		{"plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "-v"},
		{"apply", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "-v", "--diff"},
		{"apply", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json"},
	} {
		r := clawrun(t, dir, env, args...)
		out.WriteString(r.Stdout + r.Stderr)
		if r.Code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.Code, r.Stdout, r.Stderr)
		}
	}
	if o, _ := tb.SSH(t, "h1", "test -e /tmp/clawsecp-x && echo RAN; cat /etc/clawsecp-motd"); strings.Contains(o, "RAN") || !strings.Contains(o, "hello") {
		t.Errorf("h1: the password line ran as a command, or the file was not written: %q", o)
	}
	noLeak(t, "output", out.String(), map[string]string{"the password": pw, "its tail": "pwned-c41e", "the passphrase": "passphrase-9d2f7e"})
	got, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"CLAWRUN_BECOME_PASSWORD", "CLAWRUN_KEY_PASSPHRASE", "CLAWRUN_VAR_unused"} {
		if strings.Contains(string(got), name) {
			t.Errorf("a delegated task's environment holds %s", name)
		}
	}

	// A host where sudo asks: a wrong password fails with one clear line.
	tb.MustSSH(t, "h2", `id pwuser >/dev/null 2>&1 || useradd -m -s /bin/bash pwuser
echo 'pwuser:right-pw-31f0' | chpasswd
echo 'pwuser ALL=(ALL) ALL' > /etc/sudoers.d/pwuser; chmod 0440 /etc/sudoers.d/pwuser
install -d -m 0700 -o pwuser -g pwuser /home/pwuser/.ssh
cp /home/admin/.ssh/authorized_keys /home/pwuser/.ssh/; chown pwuser:pwuser /home/pwuser/.ssh/authorized_keys`)
	writeFile(t, dir, "inv.hcl", fmt.Sprintf("host \"h2\" {\n  address = %q\n  user = \"pwuser\"\n  identity_file = %q\n  known_hosts = %q\n  become = true\n}\n",
		tb.Address("h2"), tb.Key, tb.KnownHosts))
	writeFile(t, dir, "pb2.hcl", "task \"file\" \"motd\" {\n  path    = \"/etc/clawsecp-motd\"\n  content = \"hello\\n\"\n}\n")
	r := clawrun(t, dir, []string{"CLAWRUN_BECOME_PASSWORD=" + pw}, "plan", "pb2.hcl", "-i", "inv.hcl")
	if r.Code != 1 || !strings.Contains(r.Stdout, "sudo refused the password in CLAWRUN_BECOME_PASSWORD") {
		t.Errorf("wrong password: exit %d, want 1 and a clear error\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	noLeak(t, "wrong password output", r.Stdout+r.Stderr, map[string]string{"the password": pw, "its tail": "pwned-c41e"})
	r = clawrun(t, dir, []string{"CLAWRUN_BECOME_PASSWORD=right-pw-31f0"}, "plan", "pb2.hcl", "-i", "inv.hcl")
	if r.Code != 0 {
		t.Errorf("right password: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

// rotateSetup gives each host an env file with an old token and another
// credential, a unit to restart, and the controller a token file holding
// every host's old token.
func rotateSetup(t *testing.T, tb *testbed.Testbed, dir string) (secrets map[string]string, tokenFile string) {
	secrets = map[string]string{}
	var record strings.Builder
	for i, h := range tb.Hosts {
		old := fmt.Sprintf("0ld%02d%s", i, strings.Repeat("c0ffee", 10))
		secrets[h+" old token"] = old
		secrets[h+" other credential"] = fmt.Sprintf("sk-other-%d-7e1d93", i)
		fmt.Fprintf(&record, "%s=%s\n", h, old)
		tb.MustSSH(t, h, fmt.Sprintf(`printf 'OPENCLAW_MODEL=gpt\nOPENCLAW_GATEWAY_TOKEN=%s\nOPENAI_API_KEY=%s\n' > /opt/clawsecp.env
printf '[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n' > /etc/systemd/system/clawsecp-gw.service
systemctl daemon-reload`, old, secrets[h+" other credential"]))
	}
	t.Cleanup(func() {
		for _, h := range tb.Hosts {
			tb.SSH(t, h, "rm -f /opt/clawsecp.env /etc/systemd/system/clawsecp-gw.service; systemctl daemon-reload")
		}
	})
	tokenFile = filepath.Join(dir, "tokens.env")
	if err := os.WriteFile(tokenFile, []byte(record.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return secrets, tokenFile
}

// TestRotateTokenEnvLayoutLeaksNothing: the shipped rotate-token with
// layout = "env" prints neither the old nor the new tokens, nor the other
// credentials of the env file, nor other hosts' tokens from the record
// file, in text (-v), json and markdown, plan and apply; and a saved plan
// of it (a sensitive random_hex) applies.
func TestRotateTokenEnvLayoutLeaksNothing(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	secrets, tokenFile := rotateSetup(t, tb, dir)
	pb, _ := filepath.Abs("../../playbooks/rotate-token.hcl")
	vars := []string{"--var", "layout=env", "--var", "env_file=/opt/clawsecp.env", "--var", "service=clawsecp-gw", "--var", "wait_timeout=0", "--var", "token_file=" + tokenFile}
	var out strings.Builder
	run := func(want int, args ...string) result {
		t.Helper()
		r := clawrun(t, dir, []string{"XDG_CONFIG_HOME=" + dir}, args...)
		out.WriteString(strings.Join(args, " ") + "\n" + r.Stdout + r.Stderr)
		if r.Code != want {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, r.Code, want, r.Stdout, r.Stderr)
		}
		return r
	}
	for _, format := range []string{"text", "json", "markdown"} {
		r := run(0, append([]string{"plan", pb, "-i", tb.Inventory, "-v", "--format", format}, vars...)...)
		if !strings.Contains(r.Stdout, "OPENCLAW_GATEWAY_TOKEN=(sensitive value)") {
			t.Errorf("%s plan does not show the redacted new line:\n%s", format, r.Stdout)
		}
	}
	planFile := filepath.Join(dir, "plan.json")
	run(0, append([]string{"plan", pb, "-i", tb.Inventory, "--out", planFile}, vars...)...)
	saved, _ := os.ReadFile(planFile)
	out.Write(saved)
	run(0, "apply", planFile, "--diff", "-v", "--format", "markdown")
	recorded, _ := os.ReadFile(tokenFile)
	for _, h := range tb.Hosts {
		tok := strings.TrimPrefix(strings.TrimSpace(tb.MustSSH(t, h, "grep ^OPENCLAW_GATEWAY_TOKEN= /opt/clawsecp.env")), "OPENCLAW_GATEWAY_TOKEN=")
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(tok) || !strings.Contains(string(recorded), h+"="+tok+"\n") {
			t.Errorf("%s: token %q not rotated by the saved plan or not recorded", h, tok)
		}
		secrets[h+" new token"] = tok
	}
	// Again, in every format, now with the new tokens as the old ones.
	run(0, append([]string{"apply", pb, "-i", tb.Inventory, "--diff", "-v", "--format", "json"}, vars...)...)
	run(0, append([]string{"apply", pb, "-i", tb.Inventory, "--diff", "-v"}, vars...)...)
	noLeak(t, "rotate-token", out.String(), secrets)
}

// TestSavedPlanTamperRefused: a plan file edited after plan (a caveat that
// would skip checks, a variable, a random value) or checked with another
// key is refused whole with a clear message and changes nothing; a large
// source changed after plan is refused; the file holds no unkeyed digest.
func TestSavedPlanTamperRefused(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	big := strings.Repeat("large line of a file over sixty-four KiB\n", 2000)
	writeFile(t, dir, "big.txt", big)
	writeFile(t, dir, "pb.hcl", `variable "motd" {
  type    = string
  default = "planned"
}

task "file" "motd" {
  path    = "/etc/clawsecp-tamper"
  content = "${var.motd}\n"
}

task "file" "big" {
  path   = "/etc/clawsecp-big"
  source = "big.txt"
}
`)
	reset := func() {
		tb.MustSSH(t, "h1", "rm -f /etc/clawsecp-tamper /etc/clawsecp-big")
	}
	reset()
	t.Cleanup(reset)
	env := []string{"CLAWRUN_PLAN_KEY=ci-key-0123456789abcdef"}
	planFile := filepath.Join(dir, "plan.json")
	plan := func() []byte {
		t.Helper()
		r := clawrun(t, dir, env, "plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "--out", planFile)
		if r.Code != 0 {
			t.Fatalf("plan: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
		}
		b, _ := os.ReadFile(planFile)
		return b
	}
	untouched := func(what string) {
		t.Helper()
		if o, _ := tb.SSH(t, "h1", "ls /etc/clawsecp-tamper /etc/clawsecp-big 2>/dev/null"); strings.TrimSpace(o) != "" {
			t.Errorf("%s: apply changed the host: %q", what, o)
		}
	}
	orig := plan()
	var doc map[string]any
	if err := json.Unmarshal(orig, &doc); err != nil {
		t.Fatalf("plan file is not JSON: %v", err)
	}
	if regexp.MustCompile(`"(playbook|inventory|vars|probe|steps)_sha256"`).Match(orig) {
		t.Errorf("plan file holds unkeyed digests:\n%s", orig)
	}
	for name, edit := range map[string]func(string) string{
		"caveat": func(s string) string {
			return strings.ReplaceAll(s, `"status": "changed",`, `"status": "changed", "caveat": "x",`)
		},
		"variable": func(s string) string { return strings.Replace(s, `"motd": "\"planned\""`, `"motd": "\"attacker\""`, 1) },
		"random":   func(s string) string { return strings.Replace(s, `"order": [`, `"random": ["00"], "order": [`, 1) },
	} {
		tampered := edit(string(orig))
		if tampered == string(orig) {
			t.Fatalf("%s: the edit did not apply to the plan file:\n%s", name, orig)
		}
		writeFile(t, dir, "plan.json", tampered)
		r := clawrun(t, dir, env, "apply", planFile)
		if r.Code != 1 || !strings.Contains(r.Stderr, "failed its authentication check") {
			t.Errorf("%s: exit %d, want 1 with the MAC error\n%s%s", name, r.Code, r.Stdout, r.Stderr)
		}
		untouched(name)
	}
	writeFile(t, dir, "plan.json", string(orig))
	r := clawrun(t, dir, []string{"CLAWRUN_PLAN_KEY=another-key-fedcba9876543210"}, "apply", planFile)
	if r.Code != 1 || !strings.Contains(r.Stderr, "failed its authentication check") {
		t.Errorf("other key: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	untouched("other key")

	// The large source changes after the plan: apply refuses the plan
	// (every controller file read is in it by digest; the staged content's
	// steps digest is checked by TestStepsDigest).
	writeFile(t, dir, "big.txt", big+"one more line\n")
	r = clawrun(t, dir, env, "apply", planFile, "--format", "json")
	if r.Code != 1 || !strings.Contains(r.Stdout+r.Stderr, "big.txt, which the playbook reads, changed since the plan was made") {
		t.Errorf("changed large source: exit %d, want 1 naming big.txt\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if o, _ := tb.SSH(t, "h1", "test -e /etc/clawsecp-big && echo WRITTEN"); strings.Contains(o, "WRITTEN") {
		t.Error("the changed large source was written")
	}
	// Unchanged, the saved plan applies.
	writeFile(t, dir, "big.txt", big)
	plan()
	if r := clawrun(t, dir, env, "apply", planFile); r.Code != 0 {
		t.Errorf("untampered plan: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	expect(t, "h1", tb.MustSSH(t, "h1", "cat /etc/clawsecp-tamper; wc -c < /etc/clawsecp-big"), fmt.Sprintf("planned\n%d", len(big)))
}

// TestPlanNoExec: plan --no-exec runs no command the playbook wrote; the
// task shows as not checked in every format, and plain plan does run it.
func TestPlanNoExec(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	writeFile(t, dir, "pb.hcl", `task "command" "probe_runs_shell" {
  cmd    = "true"
  unless = "touch /tmp/clawsecp-ran"
}

task "file" "motd" {
  path    = "/etc/clawsecp-noexec"
  content = "x\n"
}
`)
	reset := func() { tb.MustSSH(t, "h1", "rm -f /tmp/clawsecp-ran /etc/clawsecp-noexec") }
	reset()
	t.Cleanup(reset)
	for format, want := range map[string]string{
		"text":     "command.probe_runs_shell: not checked",
		"json":     `"status":"not_checked"`,
		"markdown": "`command.probe_runs_shell` — not checked",
	} {
		r := clawrun(t, dir, nil, "plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "--no-exec", "--format", format, "--detailed-exitcode")
		if r.Code != 2 || !strings.Contains(r.Stdout, want) || !strings.Contains(r.Stdout, "file.motd") {
			t.Errorf("%s: exit %d, want 2 with %q and the file task\n%s%s", format, r.Code, want, r.Stdout, r.Stderr)
		}
		if o, _ := tb.SSH(t, "h1", "test -e /tmp/clawsecp-ran && echo RAN"); strings.Contains(o, "RAN") {
			t.Fatalf("%s: plan --no-exec ran the unless command", format)
		}
	}
	if r := clawrun(t, dir, nil, "plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "--no-exec", "--out", "p.json"); r.Code != 1 {
		t.Errorf("--no-exec --out: exit %d, want 1", r.Code)
	}
	if r := clawrun(t, dir, nil, "plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1"); r.Code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if o, _ := tb.SSH(t, "h1", "test -e /tmp/clawsecp-ran && echo RAN"); !strings.Contains(o, "RAN") {
		t.Error("plain plan did not run the unless command: the test proves nothing")
	}
}

// TestDerivedSecretsNeverPrinted: values jq derives from a sensitive
// argument (@base64, @uri) and an old value they replace print in no
// format, plan or apply.
func TestDerivedSecretsNeverPrinted(t *testing.T) {
	tb := testbed.Get(t)
	dir := t.TempDir()
	const secret = "jq-secret/with space+9b1e"
	writeFile(t, dir, "pb.hcl", `variable "tok" {
  type      = string
  sensitive = true
}

task "jq-edit" "derived" {
  path       = "/etc/clawsecp.json"
  expression = ".b64 = ($t | @base64) | .uri = ($t | @uri) | .plain = \"public\""
  args       = { t = var.tok }
  create     = true
}
`)
	reset := func() {
		tb.MustSSH(t, "h1", `printf '{"b64":"b2xkLWJhc2U2NC12YWx1ZQ==","uri":"old-uri-value-55c2","plain":"x"}\n' > /etc/clawsecp.json`)
	}
	reset()
	t.Cleanup(func() { tb.SSH(t, "h1", "rm -f /etc/clawsecp.json") })
	env := []string{"CLAWRUN_VAR_tok=" + secret}
	var out strings.Builder
	for _, args := range [][]string{
		{"plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "-v"},
		{"plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "json"},
		{"plan", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "--format", "markdown"},
		{"apply", "pb.hcl", "-i", tb.Inventory, "--limit", "h1", "--diff", "-v", "--format", "json"},
	} {
		r := clawrun(t, dir, env, args...)
		out.WriteString(r.Stdout + r.Stderr)
		if r.Code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.Code, r.Stdout, r.Stderr)
		}
	}
	got := tb.MustSSH(t, "h1", "cat /etc/clawsecp.json")
	var doc map[string]string
	if err := json.Unmarshal([]byte(got), &doc); err != nil || doc["uri"] == "" {
		t.Fatalf("written document %q: %v", got, err)
	}
	if !strings.Contains(out.String(), ".b64") {
		t.Errorf("the changed paths are not shown:\n%s", out.String())
	}
	noLeak(t, "jq-edit", out.String(), map[string]string{"secret": secret, "@base64": doc["b64"], "@uri": doc["uri"],
		"old base64 value": "b2xkLWJhc2U2NC12YWx1ZQ==", "old uri value": "old-uri-value-55c2"})
}
