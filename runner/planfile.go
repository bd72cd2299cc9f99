package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/clawrun/clawrun/modules"
	"github.com/clawrun/clawrun/playbooks"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// PlanFile is a saved plan (`plan --out`): what was observed on each host
// and what would change, as digests. It holds no secret in clear:
// sensitive variables are not stored (they are supplied again at apply),
// digests of steps are taken with secrets redacted, and random_hex values
// that became sensitive are not kept (apply draws new ones; the plan could
// only ever show them as "(sensitive value)").
type PlanFile struct {
	Version        int               `json:"clawrun_plan"`
	Created        time.Time         `json:"created"`
	Playbook       string            `json:"playbook"`
	PlaybookSHA256 string            `json:"playbook_sha256"`
	Inventory      string            `json:"inventory"`
	InventorySHA   string            `json:"inventory_sha256"`
	Vars           map[string]string `json:"vars"` // non-sensitive values, as JSON
	VarsSHA256     string            `json:"vars_sha256"`
	// Pinned names the variables set above the inventory (environment,
	// var files, --var); apply fixes only those, so inventory vars keep
	// their place. Absent in older plans: every recorded value is fixed.
	Pinned   []string             `json:"pinned"`
	Limit    string               `json:"limit,omitempty"`
	Tags     []string             `json:"tags,omitempty"`
	SkipTags []string             `json:"skip_tags,omitempty"`
	Hosts    map[string]*PlanHost `json:"hosts"`
	mu       sync.Mutex
	randoms  map[string][]*string
}

// PlanHost is one host's part of a saved plan.
type PlanHost struct {
	// Random holds the host's random_hex values in call order; null where
	// the value is sensitive.
	Random []*string            `json:"random,omitempty"`
	Tasks  map[string]*PlanTask `json:"tasks"`
	Order  []string             `json:"order"`
}

// PlanTask is one task's observed state and planned change.
type PlanTask struct {
	Status string `json:"status"`
	Probe  string `json:"probe_sha256"`
	Steps  string `json:"steps_sha256,omitempty"`
	Caveat string `json:"caveat,omitempty"`
}

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// FileDigest is the sha256 of a file's bytes.
func FileDigest(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// NewPlanFile starts a plan record.
func NewPlanFile(pb *playbooks.Playbook, invFile string, invSrc []byte, vars map[string]cty.Value, limit string, tags, skip []string) *PlanFile {
	pf := &PlanFile{Version: 1, Created: time.Now().UTC(), Playbook: pb.File, PlaybookSHA256: FileDigest(pb.Source),
		Inventory: invFile, InventorySHA: FileDigest(invSrc), Vars: PublicVars(vars), Limit: limit, Tags: tags, SkipTags: skip,
		Hosts: map[string]*PlanHost{}}
	pf.VarsSHA256 = varsDigest(pf.Vars)
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

func varsDigest(vars map[string]string) string {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k, vars[k])
	}
	return digest(parts...)
}

// Save writes the plan with mode 0600.
func (pf *PlanFile) Save(path string, secrets *playbooks.Secrets) error {
	for host, rs := range pf.randoms {
		ph := pf.host(host)
		for _, r := range rs {
			if r != nil && secrets.Contains(*r) {
				r = nil
			}
			ph.Random = append(ph.Random, r)
		}
	}
	b, err := json.MarshalIndent(pf, "", "  ")
	if err != nil {
		return err
	}
	if secrets.Contains(string(b)) {
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
	_, err = f.Write(append(b, '\n'))
	return err
}

// LoadPlanFile reads a saved plan; ok is false when path is not one.
func LoadPlanFile(path string) (*PlanFile, bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, err
	}
	if !strings.HasPrefix(strings.TrimSpace(string(b)), "{") {
		return nil, false, nil
	}
	var pf PlanFile
	if err := json.Unmarshal(b, &pf); err != nil || pf.Version == 0 {
		return nil, false, nil
	}
	if pf.Version != 1 {
		return nil, true, fmt.Errorf("plan file version %d is not supported", pf.Version)
	}
	return &pf, true, nil
}

// Check refuses a plan made from other playbook, inventory or variables.
func (pf *PlanFile) Check(pbSrc, invSrc []byte, vars map[string]cty.Value) error {
	switch {
	case FileDigest(pbSrc) != pf.PlaybookSHA256:
		return fmt.Errorf("the playbook %s changed since the plan was made: plan again", pf.Playbook)
	case FileDigest(invSrc) != pf.InventorySHA:
		return fmt.Errorf("the inventory %s changed since the plan was made: plan again", pf.Inventory)
	case varsDigest(PublicVars(vars)) != pf.VarsSHA256:
		return fmt.Errorf("variable values differ from the plan's: plan again")
	}
	return nil
}

// SetPinned records which variables were set above the inventory.
func (pf *PlanFile) SetPinned(pinned map[string]bool) {
	pf.Pinned = []string{}
	for k := range pinned {
		pf.Pinned = append(pf.Pinned, k)
	}
	sort.Strings(pf.Pinned)
}

// FixedVars returns the plan's pinned variable values, typed by the
// playbook; the rest come again from defaults and the inventory, whose
// digests the plan checks.
func (pf *PlanFile) FixedVars(pb *playbooks.Playbook) (map[string]cty.Value, error) {
	out := map[string]cty.Value{}
	for _, v := range pb.Variables {
		raw, ok := pf.Vars[v.Name]
		if !ok || (pf.Pinned != nil && !slices.Contains(pf.Pinned, v.Name)) {
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

func (pf *PlanFile) host(name string) *PlanHost {
	pf.mu.Lock()
	defer pf.mu.Unlock()
	ph := pf.Hosts[name]
	if ph == nil {
		ph = &PlanHost{Tasks: map[string]*PlanTask{}}
		pf.Hosts[name] = ph
	}
	return ph
}

// recorder returns a random source that remembers values for host.
func (pf *PlanFile) recorder(host string) playbooks.RandomSource {
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

// replayer returns a random source that gives back the plan's values.
func (pf *PlanFile) replayer(host string) playbooks.RandomSource {
	var i int
	var mu sync.Mutex
	ph := pf.Hosts[host]
	return func(n int) string {
		mu.Lock()
		defer mu.Unlock()
		defer func() { i++ }()
		if ph != nil && i < len(ph.Random) && ph.Random[i] != nil && len(*ph.Random[i]) == n {
			return *ph.Random[i]
		}
		return playbooks.CryptoRandom(n)
	}
}

// probeDigest is the digest of a task's probed state.
func probeDigest(m modules.Module, p probeResult) string {
	out := p.Out
	if s, ok := m.(modules.Stabler); ok {
		out = s.Stable(out)
	}
	return digest(out, fmt.Sprint(p.Code))
}

// stepsDigest is the digest of a plan's steps, secrets redacted.
func stepsDigest(plan *modules.Plan, secrets *playbooks.Secrets) string {
	var parts []string
	for _, s := range plan.Steps {
		parts = append(parts, secrets.Redact(s.Script))
	}
	return digest(parts...)
}
