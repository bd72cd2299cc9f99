package planfile

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/clawrun/clawrun/runner/transport"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// File is a saved plan (`plan --out`): what was observed on each host
// and what would change, as digests. It holds no secret in clear:
// sensitive variables are not stored (they are supplied again at apply),
// digests of steps are taken with secrets redacted, and random_hex values
// that became sensitive are not kept (apply draws new ones; the plan could
// only ever show them as "(sensitive value)").
//
// The file is authenticated: an HMAC-SHA256 over the whole plan, with a
// key that plan and apply share (Key), and every digest in it is keyed
// with the same key, so that a low-entropy secret in a probed file cannot
// be recovered by hashing guesses.
type File struct {
	Version     int               `json:"clawrun_plan"`
	Created     time.Time         `json:"created"`
	Playbook    string            `json:"playbook"`
	PlaybookMAC string            `json:"playbook_mac"`
	Inventory   string            `json:"inventory"`
	InventorMAC string            `json:"inventory_mac"`
	Vars        map[string]string `json:"vars"` // non-sensitive values, as JSON
	VarsMAC     string            `json:"vars_mac"`
	// HostVarsMAC is, per selected host, the keyed digest of the
	// non-sensitive variable values that host sees (inventory vars
	// included); apply refuses the plan when one differs.
	HostVarsMAC map[string]string `json:"host_vars_mac"`
	Limit       string            `json:"limit,omitempty"`
	// OnlyHosts (plan --shard --out) is the exact list of the hosts the
	// plan covers, by host name only: apply runs exactly these of the
	// hosts that the playbook's hosts and Limit select. A list, not a
	// --limit, since --limit also matches group names and "all".
	OnlyHosts []string `json:"only_hosts,omitempty"`
	Tags      []string `json:"tags,omitempty"`
	SkipTags  []string `json:"skip_tags,omitempty"`
	// Pinned names the variables set above the inventory (environment,
	// var files, --var); apply fixes only those, so inventory vars keep
	// their place.
	Pinned []string `json:"pinned"`
	// Files are the controller files evaluation read (template and file
	// sources, file(), templatefile()) and a keyed digest of each: apply
	// refuses the plan if any changed, or if it reads one not listed.
	Files   map[string]string `json:"files"`
	Hosts   map[string]*Host  `json:"hosts"`
	mu      sync.Mutex
	randoms map[string][]*string
	reads   *playbooks.FileReads
	key     []byte
}

// planVersion is the format written and read: 2 added the MAC, 3
// only_hosts (a version 2 clawrun would ignore it and apply a shard's plan
// to every host its limit selects).
const planVersion = 3

// Envelope is the file on disk: the plan as written, and its MAC.
type Envelope struct {
	Version int             `json:"clawrun_plan"`
	MAC     string          `json:"hmac_sha256"`
	Plan    json.RawMessage `json:"plan"`
}

// Host is one host's part of a saved plan.
type Host struct {
	// Random holds the host's random_hex values in call order; null where
	// the value is sensitive.
	Random []*string        `json:"random,omitempty"`
	Tasks  map[string]*Task `json:"tasks"`
	Order  []string         `json:"order"`
}

// Task is one task's observed state and planned change. Caveat is
// informational: apply decides itself which tasks follow a package install.
type Task struct {
	Status string `json:"status"`
	Probe  string `json:"probe_mac"`
	Steps  string `json:"steps_mac,omitempty"`
	Caveat string `json:"caveat,omitempty"`
}

// digest is a keyed digest (HMAC-SHA256) of parts.
func (pf *File) digest(parts ...string) string {
	h := hmac.New(sha256.New, pf.key)
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// MAC authenticates a plan file's body.
func MAC(key, body []byte) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("clawrun plan v2\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// New starts a plan record, authenticated with key (Key).
func New(pb *playbooks.Playbook, invFile string, invSrc []byte, vars map[string]cty.Value, limit string, tags, skip []string, key []byte) *File {
	pf := &File{Version: planVersion, Created: time.Now().UTC(), Playbook: pb.File,
		Inventory: invFile, Vars: PublicVars(vars), Limit: limit, Tags: tags, SkipTags: skip,
		Hosts: map[string]*Host{}, reads: pb.Reads, key: key}
	pf.PlaybookMAC, pf.InventorMAC = pf.digest(string(pb.Source)), pf.digest(string(invSrc))
	pf.VarsMAC = pf.varsDigest(pf.Vars)
	return pf
}

// PublicVars encodes the non-sensitive variable values.
func PublicVars(vars map[string]cty.Value) map[string]string {
	out := map[string]string{}
	for k, v := range vars {
		if v.ContainsMarked() || !v.IsWhollyKnown() {
			continue
		}
		b, err := ctyjson.Marshal(v, v.Type())
		if err == nil {
			out[k] = string(b)
		}
	}
	return out
}

func (pf *File) varsDigest(vars map[string]string) string {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k, vars[k])
	}
	return pf.digest(parts...)
}

// Save writes the plan with mode 0600.
func (pf *File) Save(path string, secrets *playbooks.Secrets) error {
	for host, rs := range pf.randoms {
		ph := pf.ForHost(host)
		for _, r := range rs {
			if r != nil && secrets.Contains(*r) {
				r = nil
			}
			ph.Random = append(ph.Random, r)
		}
	}
	pf.Files = map[string]string{}
	for path, sum := range pf.reads.Snapshot() {
		pf.Files[path] = pf.fileDigest(sum)
	}
	body, err := json.MarshalIndent(pf, "", "  ")
	if err != nil {
		return err
	}
	if secrets.Contains(string(body)) {
		return fmt.Errorf("refusing to write a plan file that would hold a sensitive value")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	// Written by hand so that the body's bytes are exactly those the MAC
	// covers (encoding/json would re-indent a RawMessage).
	_, err = fmt.Fprintf(f, "{\n\"clawrun_plan\": %d,\n\"hmac_sha256\": %q,\n\"plan\": %s\n}\n", planVersion, MAC(pf.key, body), body)
	return err
}

// IsPlan reports whether b looks like a saved plan rather than a playbook.
func IsPlan(b []byte) bool {
	if !strings.HasPrefix(strings.TrimSpace(string(b)), "{") {
		return false
	}
	var head struct {
		Version int `json:"clawrun_plan"`
	}
	return json.Unmarshal(b, &head) == nil && head.Version != 0
}

// Load checks the MAC of a saved plan's bytes b with key and reads
// it. Nothing of a file whose MAC fails is used.
func Load(path string, b []byte, key []byte) (*File, error) {
	var env Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("plan file %s: %w", path, err)
	}
	if env.Version != planVersion {
		return nil, fmt.Errorf("plan file %s has format %d, which this clawrun does not apply (it needs %d, authenticated): plan again", path, env.Version, planVersion)
	}
	want := MAC(key, env.Plan)
	if !hmac.Equal([]byte(want), []byte(env.MAC)) {
		return nil, fmt.Errorf("plan file %s failed its authentication check: it was changed after `plan --out`, or made with another plan key (CLAWRUN_PLAN_KEY, else %s); nothing was applied: plan again", path, keyFileHint())
	}
	pf := &File{key: key}
	if err := json.Unmarshal(env.Plan, pf); err != nil || pf.Version != planVersion {
		return nil, fmt.Errorf("plan file %s: unreadable plan: %v", path, err)
	}
	return pf, nil
}

// Check refuses a plan made from other playbook, inventory or variables.
func (pf *File) Check(pbSrc, invSrc []byte, vars map[string]cty.Value) error {
	switch {
	case pf.digest(string(pbSrc)) != pf.PlaybookMAC:
		return fmt.Errorf("the playbook %s changed since the plan was made: plan again", pf.Playbook)
	case pf.digest(string(invSrc)) != pf.InventorMAC:
		return fmt.Errorf("the inventory %s changed since the plan was made: plan again", pf.Inventory)
	case pf.varsDigest(PublicVars(vars)) != pf.VarsMAC:
		return fmt.Errorf("variable values differ from the plan's: plan again")
	}
	paths := make([]string, 0, len(pf.Files))
	for p := range pf.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || pf.fileDigest(sha256.Sum256(b)) != pf.Files[p] {
			return fmt.Errorf("the file %s, which the playbook reads, changed since the plan was made: plan again", p)
		}
	}
	return nil
}

func (pf *File) fileDigest(sum [sha256.Size]byte) string {
	return pf.digest("file", hex.EncodeToString(sum[:]))
}

// checkReads refuses controller files read at apply that the plan did not
// read, or read with other contents.
func (pf *File) CheckReads(reads *playbooks.FileReads) error {
	for p, sum := range reads.Snapshot() {
		if d, ok := pf.Files[p]; !ok || d != pf.fileDigest(sum) {
			return fmt.Errorf("the file %s, which the playbook reads, changed since the plan was made (or the plan did not read it): plan again", p)
		}
	}
	return nil
}

// SetHostVars records the digest of each host's non-sensitive values.
func (pf *File) SetHostVars(hosts []string, values func(string) map[string]cty.Value) {
	pf.HostVarsMAC = map[string]string{}
	for _, h := range hosts {
		pf.HostVarsMAC[h] = pf.varsDigest(PublicVars(values(h)))
	}
}

// CheckHostVars refuses the plan when a host's non-sensitive variable
// values differ from those it was planned with (or the plan lacks them).
func (pf *File) CheckHostVars(hosts []string, values func(string) map[string]cty.Value) error {
	if pf.HostVarsMAC == nil {
		return fmt.Errorf("the saved plan has no per-host variable digests (an older clawrun made it): nothing was applied: plan again")
	}
	for _, h := range hosts {
		want, ok := pf.HostVarsMAC[h]
		if !ok || pf.varsDigest(PublicVars(values(h))) != want {
			return fmt.Errorf("the variable values of host %s differ from the plan's: nothing was applied: plan again", h)
		}
	}
	return nil
}

// SetPinned records which variables were set above the inventory.
func (pf *File) SetPinned(pinned map[string]bool) {
	pf.Pinned = []string{}
	for k := range pinned {
		pf.Pinned = append(pf.Pinned, k)
	}
	sort.Strings(pf.Pinned)
}

// FixedVars returns the plan's pinned variable values, typed by the
// playbook; the rest come again from defaults and the inventory, whose
// digests the plan checks. Sensitive variables are never taken from the
// file.
func (pf *File) FixedVars(pb *playbooks.Playbook) (map[string]cty.Value, error) {
	out := map[string]cty.Value{}
	for _, v := range pb.AllVariables() {
		raw, ok := pf.Vars[v.Name]
		if !ok || v.Sensitive || (pf.Pinned != nil && !slices.Contains(pf.Pinned, v.Name)) {
			continue
		}
		ty := v.Type
		if ty == cty.DynamicPseudoType {
			t, err := ctyjson.ImpliedType([]byte(raw))
			if err != nil {
				return nil, err
			}
			ty = t
		}
		val, err := ctyjson.Unmarshal([]byte(raw), ty)
		if err != nil {
			return nil, fmt.Errorf("plan file: variable %s: %w", v.Name, err)
		}
		out[v.Name] = val
	}
	return out, nil
}

func (pf *File) ForHost(name string) *Host {
	pf.mu.Lock()
	defer pf.mu.Unlock()
	ph := pf.Hosts[name]
	if ph == nil {
		ph = &Host{Tasks: map[string]*Task{}}
		pf.Hosts[name] = ph
	}
	return ph
}

// recorder returns a random source that remembers values for host.
func (pf *File) Recorder(host string) playbooks.RandomSource {
	return func(n int) string {
		v := playbooks.CryptoRandom(n)
		pf.mu.Lock()
		defer pf.mu.Unlock()
		if pf.randoms == nil {
			pf.randoms = map[string][]*string{}
		}
		pf.randoms[host] = append(pf.randoms[host], &v)
		return v
	}
}

// replayer returns a random source that gives back the plan's values and
// remembers which it gave (see ReplayedSensitive); values it draws anew
// (the plan stored none) are added to fresh (see stepsDigest).
func (pf *File) Replayer(host string, given *[]string, fresh *playbooks.Secrets) playbooks.RandomSource {
	var i int
	var mu sync.Mutex
	ph := pf.Hosts[host]
	return func(n int) string {
		mu.Lock()
		defer mu.Unlock()
		defer func() { i++ }()
		if ph != nil && i < len(ph.Random) && ph.Random[i] != nil && len(*ph.Random[i]) == n {
			*given = append(*given, *ph.Random[i])
			return *ph.Random[i]
		}
		v := playbooks.CryptoRandom(n)
		fresh.Add(v)
		return v
	}
}

// ReplayedSensitive refuses a plan file that supplied the value of a
// random_hex that turned out sensitive: plan never stores those, so the
// file did not come from plan.
func ReplayedSensitive(given []string, secrets *playbooks.Secrets) error {
	for _, v := range given {
		if secrets.Has(v) {
			return fmt.Errorf("the saved plan supplies a sensitive random_hex value, which plan never stores: plan again")
		}
	}
	return nil
}

// probeDigest is the keyed digest of a task's probed state.
func (pf *File) ProbeDigest(m modules.Module, p transport.ProbeResult) string {
	out := p.Out
	if s, ok := m.(modules.Stabler); ok {
		out = s.Stable(out)
	}
	return pf.digest(out, fmt.Sprint(p.Code))
}

// embedded matches the content a step carries (modules.embed).
// embedded finds content embedded in a step, as written by modules.embed:
// plain, or inside a body quoted once more (a guarded write, '\” quotes).
var embedded = regexp.MustCompile(`printf %s '([A-Za-z0-9+/=]*)' \| base64 -d|printf %s '\\''([A-Za-z0-9+/=]*)'\\'' \| base64 -d`)

// stepsDigest is the keyed digest of a plan's steps: the scripts, the
// content they carry base64-encoded and the content staged over SFTP
// (which is not in the script), all in clear: the digest is keyed, so it
// reveals nothing, and any difference, even one inside a secret's text
// (format("%s\nEVIL=...", var.token)), refuses the plan. Only volatile
// values are redacted first: the sensitive random_hex values that plan
// never stores and apply draws anew (volatile), so that a generated token
// digests as at plan time. A value derived from such a random (a hash of
// it) is not recognized: such a plan is refused and must be applied
// without a plan file.
func (pf *File) StepsDigest(plan *modules.Plan, volatile *playbooks.Secrets) string {
	var parts []string
	for _, s := range plan.Steps {
		script := embedded.ReplaceAllStringFunc(s.Script, func(m string) string {
			sm := embedded.FindStringSubmatch(m)
			b, err := base64.StdEncoding.DecodeString(sm[1] + sm[2])
			if err != nil {
				return m
			}
			return "embed:" + volatile.Redact(string(b))
		})
		parts = append(parts, volatile.Redact(script))
		if s.Upload != nil {
			parts = append(parts, "upload:"+volatile.Redact(string(s.Upload)))
		} else {
			parts = append(parts, "no upload")
		}
	}
	return pf.digest(parts...)
}

// volatileRecorded is, at plan time, the set of host's random_hex values
// that Save will not store (they turned out sensitive).
func (pf *File) VolatileRecorded(host string, secrets *playbooks.Secrets) *playbooks.Secrets {
	v := &playbooks.Secrets{}
	pf.mu.Lock()
	defer pf.mu.Unlock()
	for _, r := range pf.randoms[host] {
		if r == nil || !secrets.Contains(*r) {
			continue
		}
		v.Add(*r)
	}
	return v
}
