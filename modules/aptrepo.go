package modules

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// AptRepository declares a vendor's signed apt repository the modern way:
// a deb822 file /etc/apt/sources.list.d/<name>.sources whose Signed-By
// names a dearmored keyring /etc/apt/keyrings/<name>.gpg holding exactly
// the key with the declared fingerprint. Never apt-key, never trusted.gpg.d:
// that key is trusted for this repository only.
type AptRepository struct {
	// Name names both files; letters, digits, '_', '-' and '.' (apt ignores
	// files in sources.list.d with other names).
	Name string `hcl:"name"`
	// URIs are the repository's base URIs (http, https or file).
	URIs []string `hcl:"uris,optional"`
	// Suites are distributions ("bookworm", "nodistro") or a flat path ending in "/".
	Suites []string `hcl:"suites,optional"`
	// Components are the archive areas ("main"); none for a flat repository.
	Components []string `hcl:"components,optional"`
	// Architectures restrict the architectures apt fetches; empty: apt's default.
	Architectures []string `hcl:"architectures,optional"`
	// KeyFile is the repository's public key on the controller, relative to
	// the playbook, armored or binary.
	KeyFile string `hcl:"key_file,optional"`
	// KeyURL is where the host fetches the key when its keyring lacks it.
	KeyURL string `hcl:"key_url,optional"`
	// Fingerprint pins the key: its primary key's full fingerprint.
	Fingerprint string `hcl:"fingerprint,optional"`
	// State is present (default) or absent (both files removed).
	State string `hcl:"state,optional"`

	key []byte // the checked, dearmored key from key_file
}

var (
	_ Module  = (*AptRepository)(nil)
	_ Checker = (*AptRepository)(nil)
	_ Sourcer = (*AptRepository)(nil)
	_ Keyed   = (*AptRepository)(nil)
)

// AptUpdateStamp is written when a repository changes and removed by the
// apt-get update of the next apt task that installs, upgrades or updates:
// a file on the host, so the update happens even when that task runs in a
// later run (this one failed in between).
const AptUpdateStamp = "/var/lib/clawrun/apt-update-needed"

var (
	repoName   = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
	repoSuite  = regexp.MustCompile(`^[A-Za-z0-9./][A-Za-z0-9._+~/-]*$`)
	repoComp   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+/-]*$`)
	repoArch   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	repoFPR    = regexp.MustCompile(`^([0-9A-F]{40}|[0-9A-F]{64})$`)
	repoNoCtrl = regexp.MustCompile(`^[\x21-\x7e]+$`) // one word, printable ASCII
)

func (r *AptRepository) state() string {
	if r.State == "" {
		return "present"
	}
	return r.State
}

func (r *AptRepository) sourcesPath() string { return "/etc/apt/sources.list.d/" + r.Name + ".sources" }
func (r *AptRepository) keyringPath() string { return "/etc/apt/keyrings/" + r.Name + ".gpg" }

var _ Owner = (*AptRepository)(nil)

// Owns: one repository per name, its two files.
func (r *AptRepository) Owns() (object, attr, files string) {
	if r.Name == "" {
		return "", "name", ""
	}
	return fmt.Sprintf("apt_repository %q", r.Name), "name", strings.Join(r.StateKeys(), ", ")
}

// StateKeys: the two files.
func (r *AptRepository) StateKeys() []string { return []string{r.sourcesPath(), r.keyringPath()} }

// LoadSources reads key_file and pins it: a key whose fingerprint is not
// the declared one is an error before any host is contacted.
func (r *AptRepository) LoadSources(l Loader, at Attrs) hcl.Diagnostics {
	if r.KeyFile == "" || r.state() == "absent" {
		return nil
	}
	var b []byte
	var diags hcl.Diagnostics
	if bl, ok := l.(BoundedLoader); ok {
		b, diags = bl.ReadFileMax(at, "key_file", r.KeyFile, MaxKeyring)
	} else {
		b, diags = l.ReadFile(at, "key_file", r.KeyFile)
	}
	if diags.HasErrors() || b == nil {
		return diags
	}
	k, err := readPGPKey(b)
	if err == nil && repoFPR.MatchString(normFingerprint(r.Fingerprint)) {
		err = checkPinned(k, normFingerprint(r.Fingerprint))
	}
	if err != nil {
		return hcl.Diagnostics{at.Diag("key_file", "Key does not match its fingerprint",
			fmt.Sprintf("%s: %v; nothing was written. Check the key file and the fingerprint the vendor publishes.", r.KeyFile, err))}
	}
	r.key = k.Binary
	return nil
}

// fingerprintMarker is a comment line of the sources file; for key_url,
// the probe fetches the key again only when it is missing.
func (r *AptRepository) fingerprintMarker() string {
	return "# Signed-By key fingerprint: " + normFingerprint(r.Fingerprint)
}

// sources renders the deb822 file. Every value was checked to be one word.
func (r *AptRepository) sources() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# apt_repository %q, managed by clawrun.\n%s\n", r.Name, r.fingerprintMarker())
	b.WriteString("Types: deb\nURIs: " + strings.Join(r.URIs, " ") + "\nSuites: " + strings.Join(r.Suites, " ") + "\n")
	if len(r.Components) > 0 {
		b.WriteString("Components: " + strings.Join(r.Components, " ") + "\n")
	}
	if len(r.Architectures) > 0 {
		b.WriteString("Architectures: " + strings.Join(r.Architectures, " ") + "\n")
	}
	b.WriteString("Signed-By: " + r.keyringPath() + "\n")
	return []byte(b.String())
}

// Probe reads both files as the file module does (content only when it
// differs), and for key_url fetches the key when the keyring is missing or
// the sources file does not name its fingerprint: no network otherwise.
func (r *AptRepository) Probe() string {
	body := func(p, want string) string { return strings.TrimPrefix(fileProbe(p, want), readFunc) }
	keyWant := ""
	if r.key != nil {
		keyWant = sha(r.key)
	}
	srcWant := ""
	if r.state() == "present" {
		srcWant = sha(r.sources())
	}
	var b strings.Builder
	b.WriteString(readFunc)
	b.WriteString("echo '@sources'\n(\n" + body(r.sourcesPath(), srcWant) + ")\n")
	b.WriteString("echo '@keyring'\n(\n" + body(r.keyringPath(), keyWant) + ")\n")
	if r.state() == "present" {
		b.WriteString(r.othersProbe())
	}
	if r.KeyURL != "" && r.state() == "present" {
		k, s := Quote(r.keyringPath()), Quote(r.sourcesPath())
		fmt.Fprintf(&b, "if [ ! -f %s ] || [ ! -f %s ] || [ %s -nt %s ] || ! grep -qxF %s %s 2>/dev/null; then\necho '@fetched'\n(\n%s)\nfi\n",
			k, s, k, s, Quote(r.fingerprintMarker()), s, fetchScript(r.KeyURL))
	}
	return b.String()
}

// fetchScript prints fetched=<base64> or fetch_error=<base64 message>
// (run in a subshell: probes share one shell): with curl, else wget, else
// apt's own downloader. Every downloader is bounded the same way, as wget
// and apt-helper have no size limit and wget's -T is per read: at most
// 2 MiB written (ulimit -f, in a private temp folder), at most 60 s
// (timeout kills its whole process group, apt's methods included). At
// most MaxKeyring+1 bytes go back (more is refused by the controller).
func fetchScript(u string) string {
	return fmt.Sprintf(`u=%s; d=$(mktemp -d) || exit 1; t="$d/key"; e="$d/err"
(ulimit -f 4096
if command -v curl >/dev/null 2>&1; then set -- curl -fsSL --max-filesize %d --proto =https,http -o "$t" -- "$u"
elif command -v wget >/dev/null 2>&1; then set -- wget -q -O "$t" -- "$u"
elif [ -x /usr/lib/apt/apt-helper ]; then set -- /usr/lib/apt/apt-helper -o Acquire::Retries=0 download-file "$u" "$t"
else echo 'no curl, wget or apt-helper to fetch the key with'; exit 127; fi
exec timeout -k 5 60 "$@") >"$e" 2>&1
rc=$?
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then echo 'gave up after 60 s' >"$e"
elif [ "$rc" != 0 ] && [ -f "$t" ] && [ "$(wc -c <"$t")" -gt %d ]; then echo 'the key is larger than 1 MiB' >"$e"; fi
if [ "$rc" = 0 ]; then printf 'fetched='; head -c %d "$t" | base64 -w0; echo; else printf 'fetch_error='; tail -c 300 "$e" | base64 -w0; echo; fi
rm -rf -- "$d"
`, Quote(u), MaxKeyring, MaxKeyring, MaxKeyring+1)
}

// repoState is the parsed probe output.
type repoState struct {
	Sources, Keyring fileState
	Fetched          []byte
	FetchErr         string
	DidFetch         bool
	Others           []otherSource
}

func parseRepoProbe(out string) (repoState, error) {
	var st repoState
	secs := map[string]string{}
	cur := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "@") {
			if _, dup := secs[l]; dup {
				return st, fmt.Errorf("probe output has %s twice", l)
			}
			cur, secs[l] = l, ""
			continue
		}
		if cur != "" {
			secs[cur] += l + "\n"
		}
	}
	var err error
	if st.Sources, err = parseFileProbe(secs["@sources"]); err != nil {
		return st, err
	}
	if st.Keyring, err = parseFileProbe(secs["@keyring"]); err != nil {
		return st, err
	}
	for _, l := range strings.Split(secs["@others"], "\n") {
		f := strings.Fields(l)
		if len(f) == 3 && f[0] == "other" {
			p, err1 := base64.StdEncoding.DecodeString(f[1])
			c, err2 := base64.StdEncoding.DecodeString(f[2])
			if err1 == nil && err2 == nil {
				st.Others = append(st.Others, otherSource{Path: string(p), Content: c})
			}
		} else if len(f) == 2 && f[0] == "other" { // an empty file
			if p, err := base64.StdEncoding.DecodeString(f[1]); err == nil {
				st.Others = append(st.Others, otherSource{Path: string(p)})
			}
		}
	}
	if f, ok := secs["@fetched"]; ok {
		st.DidFetch = true
		m, err := kvOnce(f)
		if err != nil {
			return st, err
		}
		if e, ok := m["fetch_error"]; ok {
			msg, _ := base64.StdEncoding.DecodeString(e)
			st.FetchErr = strings.TrimSpace(string(msg))
			if st.FetchErr == "" {
				st.FetchErr = "the download failed"
			}
		} else if st.Fetched, err = base64.StdEncoding.DecodeString(m["fetched"]); err != nil {
			return st, fmt.Errorf("decode fetched key: %w", err)
		}
	}
	return st, nil
}

// Plan compares both files with what they should be.
func (r *AptRepository) Plan(h *Host, out string) (*Plan, error) {
	st, err := parseRepoProbe(out)
	if err != nil {
		return nil, err
	}
	st.Sources = overlay(h, r.sourcesPath(), st.Sources)
	st.Keyring = overlay(h, r.keyringPath(), st.Keyring)
	for _, f := range []struct {
		path string
		s    fileState
	}{{r.sourcesPath(), st.Sources}, {r.keyringPath(), st.Keyring}} {
		if f.s.Type == "directory" || f.s.Type == "other" {
			return nil, fmt.Errorf("%s is a %s, not a regular file: remove it first", f.path, map[string]string{"directory": "directory", "other": "FIFO, socket or device"}[f.s.Type])
		}
		if err := f.s.checkGuard(f.path, "root"); err != nil {
			return nil, err
		}
	}
	p := &Plan{}
	if r.state() == "absent" {
		r.planAbsent(p, st)
		return p, nil
	}
	var others []otherSource
	for _, o := range st.Others {
		if h != nil {
			if w, ok := h.Pending[o.Path]; ok && w != nil && w.Absent {
				continue // an earlier task removes it
			}
		}
		others = append(others, o)
	}
	if path, sb, ok := r.conflict(others); ok {
		return nil, fmt.Errorf("%s configures the same repository with Signed-By %q, and apt refuses both (Conflicting values set for option Signed-By), breaking every list update: remove it first, e.g. with a file task state = \"absent\" before this task; nothing was written", path, sb)
	}
	key, err := r.wantKey(st)
	if err != nil {
		return nil, err
	}
	r.planKey(p, st.Keyring, key)
	src := r.sources()
	switch {
	case st.Sources.Type == "absent":
		p.add("+", "apt source %s (%s)", r.Name, r.sourcesPath())
		p.Diff = textDiff(r.sourcesPath(), nil, src, false)
	case st.Sources.SHA256 != sha(src):
		p.add("~", "apt source %s (%s)", r.Name, r.sourcesPath())
		if st.Sources.HasContent {
			p.Diff = textDiff(r.sourcesPath(), st.Sources.Content, src, true)
		} else {
			p.Diff = textDiff(r.sourcesPath(), nil, src, false)
		}
	case !rootFile(st.Sources):
		p.add("~", "apt source %s (%s)%s", r.Name, r.sourcesPath(), attrChange(st.Sources, "0644", "root", "root"))
	default:
		src = nil // as it should be
	}
	if src != nil {
		p.write(WriteSpec{Path: r.sourcesPath(), Content: src, Mode: "0644", Owner: "root", Group: "root"})
	}
	if p.Changed() {
		r.stamp(p)
	}
	return p, nil
}

// rootFile: a regular file, 0644, root's. A link is replaced by a file.
func rootFile(s fileState) bool {
	return s.Type == "file" && s.Mode == "0644" && s.Owner == "root" && s.Group == "root"
}

// wantKey returns the binary key to hold: key_file's (checked at load), or
// for key_url the fetched one, pinned here, or the current keyring when it
// already is the pinned key and was not fetched again.
func (r *AptRepository) wantKey(st repoState) ([]byte, error) {
	want := normFingerprint(r.Fingerprint)
	if r.KeyURL == "" {
		if r.key == nil {
			return nil, fmt.Errorf("apt_repository %s has no key (key_file or key_url)", r.Name)
		}
		return r.key, nil
	}
	if st.DidFetch {
		if st.FetchErr != "" {
			return nil, fmt.Errorf("cannot fetch the key of %s from %s: %s; check the URL and the host's network", r.Name, r.KeyURL, st.FetchErr)
		}
		k, err := readPGPKey(st.Fetched)
		if err == nil {
			err = checkPinned(k, want)
		}
		if err != nil {
			return nil, fmt.Errorf("the key fetched from %s does not match its fingerprint: %w; nothing was written", r.KeyURL, err)
		}
		return k.Binary, nil
	}
	if st.Keyring.HasContent {
		if k, err := readPGPKey(st.Keyring.Content); err == nil && checkPinned(k, want) == nil {
			return k.Binary, nil
		}
	}
	return nil, fmt.Errorf("%s does not hold the key %s and was not fetched again: remove it and run again", r.keyringPath(), want)
}

// planKey shows the key by fingerprint, never as bytes.
func (r *AptRepository) planKey(p *Plan, cur fileState, key []byte) {
	fp := spacedFingerprint(normFingerprint(r.Fingerprint))
	switch {
	case cur.Type == "absent":
		p.add("+", "key %s: %s (new, %s)", r.Name, fp, r.keyringPath())
		if cur.ParentMode == "" {
			p.add("+", "directory /etc/apt/keyrings (mode 0755)")
		}
	case cur.SHA256 != sha(key):
		old := "unreadable"
		if cur.HasContent {
			if k, err := readPGPKey(cur.Content); err == nil {
				old = spacedFingerprint(strings.Join(k.Fingerprints, ", "))
			}
		}
		if old == fp {
			p.add("~", "key %s: %s (same key, new signatures or subkeys)", r.Name, fp)
		} else {
			p.add("~", "key %s: %s -> %s", r.Name, old, fp)
		}
	case !rootFile(cur):
		p.add("~", "key %s: %s%s", r.Name, fp, attrChange(cur, "0644", "root", "root"))
	default:
		return
	}
	if cur.Type == "absent" && cur.ParentMode == "" {
		p.step("create /etc/apt/keyrings", "[ -d /etc/apt/keyrings ] || mkdir -m 0755 -- /etc/apt/keyrings\n")
	}
	p.write(WriteSpec{Path: r.keyringPath(), Content: key, Mode: "0644", Owner: "root", Group: "root"})
}

// planAbsent removes the sources file first, so apt never reads a source
// whose key is gone.
func (r *AptRepository) planAbsent(p *Plan, st repoState) {
	for _, f := range []struct {
		path, what string
		s          fileState
	}{{r.sourcesPath(), "apt source " + r.Name, st.Sources}, {r.keyringPath(), "key " + r.Name, st.Keyring}} {
		if f.s.Type == "absent" {
			continue
		}
		what := f.what
		if k, err := readPGPKey(f.s.Content); f.path == r.keyringPath() && f.s.HasContent && err == nil {
			what += ": " + spacedFingerprint(strings.Join(k.Fingerprints, ", "))
		}
		p.add("-", "%s (%s)", what, f.path)
		if f.path == r.sourcesPath() && f.s.HasContent {
			p.Diff = textDiff(f.path, f.s.Content, nil, true)
		}
		p.step("remove "+f.path, guarded(f.path, "", "rm -f -- "+Quote(f.path)+"\n", ""))
		p.writes(f.path, &FileState{Absent: true, Known: true})
	}
	if p.Changed() {
		r.stamp(p)
	}
}

// stamp marks the package lists stale, before the files change: a run
// that fails after writing them still leaves the update to the next apt
// task. The stamp is in Writes, so later apt tasks plan the update too.
func (r *AptRepository) stamp(p *Plan) {
	s := Step{Desc: "mark the package lists stale", Script: fmt.Sprintf("set -e\nmkdir -p -m 0755 -- %s\n: > %s\n", Quote(dirOf(AptUpdateStamp)), Quote(AptUpdateStamp))}
	p.Steps = append([]Step{s}, p.Steps...)
	p.writes(AptUpdateStamp, &FileState{Known: true, Content: []byte{}, Mode: "0644", Owner: "root", Group: "root"})
}
