package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Settings are connection settings; every field may be set in defaults or
// on a host (host wins).
type Settings struct {
	// User is the SSH login user (default: the controller's $USER).
	User *string `hcl:"user"`
	// Port is the SSH port (default 22).
	Port *int `hcl:"port"`
	// IdentityFile is a private key; without it ssh-agent is used.
	IdentityFile *string `hcl:"identity_file"`
	// KnownHosts is the known_hosts file (default ~/.ssh/known_hosts).
	KnownHosts *string `hcl:"known_hosts"`
	// Become runs tasks through sudo (default false).
	Become *bool `hcl:"become"`
	// ConnectTimeout is the connect and handshake timeout in seconds (default 10).
	ConnectTimeout *int `hcl:"connect_timeout"`
	// Jump is a ProxyJump bastion, user@host:port.
	Jump *string `hcl:"jump"`
	// Connection is "ssh" (default) or "local".
	Connection *string `hcl:"connection"`
}

// blockAttrs holds every attribute an inventory block may have; each block
// type allows a subset (see Load).
type blockAttrs struct {
	Settings
	Address *string
	Groups  []string
	Vars    *cty.Value
}

// Host is one resolved inventory host.
type Host struct {
	Name           string
	Address        string
	Port           int
	User           string
	IdentityFile   string
	KnownHosts     string
	Become         bool
	ConnectTimeout int
	Jump           string
	Connection     string
	Groups         []string // "all" first, then declared groups
	Vars           map[string]cty.Value
	Range          hcl.Range
	// Explicit names the connection settings the inventory sets (in
	// defaults or on the host, "address" on the host): ~/.ssh/config only
	// fills in the others.
	Explicit map[string]bool
	// From ~/.ssh/config (transport.ResolveSSHConfig): every identity to
	// offer, extra known_hosts files, and whether to leave the agent out.
	IdentityFiles   []string
	KnownHostsExtra []string
	IdentitiesOnly  bool
}

// Inventory is a loaded inventory.
type Inventory struct {
	File   string
	Source []byte
	Hosts  []*Host
	Groups []string // declared or referenced groups, "all" first
}

var schema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "defaults"}, {Type: "group", LabelNames: []string{"name"}}, {Type: "host", LabelNames: []string{"name"}},
}}

var settingsAttrs = []string{"user", "port", "identity_file", "known_hosts", "become", "connect_timeout", "jump", "connection"}

var evalCtx = &hcl.EvalContext{Functions: map[string]function.Function{
	"env": function.New(&function.Spec{
		Params: []function.Parameter{{Name: "name", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.StringVal(os.Getenv(args[0].AsString())), nil
		},
	}),
	"merge": stdlib.MergeFunc, "concat": stdlib.ConcatFunc,
}}

// Load parses and resolves an inventory file.
func Load(path string) (*Inventory, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read inventory", Detail: err.Error()}}
	}
	// A parser of its own, whose files diagnostics never see: inventory
	// vars hold secrets, so errors give file:line:col without the source
	// line (HCL would quote it).
	f, diags := hclparse.NewParser().ParseHCL(src, path)
	if diags.HasErrors() {
		return nil, diags
	}
	content, d := f.Body.Content(schema)
	diags = append(diags, d...)
	inv := &Inventory{File: path, Source: src, Groups: []string{"all"}}
	var defaults Settings
	defaultVars := map[string]cty.Value{}
	groupVars := map[string]map[string]cty.Value{}
	var groupOrder []string
	var hosts []rawHost
	seen := map[string]hcl.Range{}
	for _, b := range content.Blocks {
		switch b.Type {
		case "defaults":
			var db blockAttrs
			diags = append(diags, decode(b.Body, &db, append([]string{"vars"}, settingsAttrs...))...)
			defaults = db.Settings
			diags = append(diags, mapVars(db.Vars, defaultVars)...)
		case "group":
			var gb blockAttrs
			diags = append(diags, decode(b.Body, &gb, []string{"vars"})...)
			name := b.Labels[0]
			if _, ok := groupVars[name]; !ok {
				groupOrder = append(groupOrder, name)
				groupVars[name] = map[string]cty.Value{}
			}
			diags = append(diags, mapVars(gb.Vars, groupVars[name])...)
		case "host":
			var hb blockAttrs
			diags = append(diags, decode(b.Body, &hb, append([]string{"address", "groups", "vars"}, settingsAttrs...))...)
			name := b.Labels[0]
			if prev, dup := seen[name]; dup {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate host",
					Detail: fmt.Sprintf("Host %q was already declared at %s.", name, prev), Subject: &b.DefRange})
			}
			seen[name] = b.DefRange
			hosts = append(hosts, rawHost{name: name, hb: hb, rng: b.DefRange})
		}
	}
	home, _ := os.UserHomeDir()
	for _, rh := range hosts {
		hb := rh.hb
		h, d := newHost(rh, defaults, home)
		diags = append(diags, d...)
		for k, v := range defaultVars {
			h.Vars[k] = v
		}
		// Groups in file order, then host vars.
		for _, g := range groupOrder {
			if slices.Contains(hb.Groups, g) {
				for k, v := range groupVars[g] {
					h.Vars[k] = v
				}
			}
		}
		for _, g := range hb.Groups {
			if g != "all" && !slices.Contains(h.Groups, g) {
				h.Groups = append(h.Groups, g)
			}
			if !slices.Contains(inv.Groups, g) {
				inv.Groups = append(inv.Groups, g)
			}
		}
		if hb.Vars != nil {
			diags = append(diags, mapVars(hb.Vars, h.Vars)...)
		}
		inv.Hosts = append(inv.Hosts, h)
	}
	for _, g := range groupOrder {
		if !slices.Contains(inv.Groups, g) {
			inv.Groups = append(inv.Groups, g)
		}
	}
	return inv, diags
}

// rawHost is a host block before resolution.
type rawHost struct {
	name string
	hb   blockAttrs
	rng  hcl.Range
}

// newHost resolves a host's connection settings: its own over the
// defaults over clawrun's.
func newHost(rh rawHost, defaults Settings, home string) (*Host, hcl.Diagnostics) {
	hb := rh.hb
	var diags hcl.Diagnostics
	h := &Host{Name: rh.name, Range: rh.rng, Groups: []string{"all"}, Vars: map[string]cty.Value{},
		Port: 22, KnownHosts: filepath.Join(home, ".ssh", "known_hosts"), ConnectTimeout: 10, Connection: "ssh",
		User: os.Getenv("USER")}
	h.Explicit = explicitSettings(defaults, hb.Settings)
	if hb.Address != nil {
		h.Explicit["address"] = true
	}
	for _, s := range []Settings{defaults, hb.Settings} {
		set(&h.User, s.User)
		set(&h.Port, s.Port)
		set(&h.IdentityFile, s.IdentityFile)
		set(&h.KnownHosts, s.KnownHosts)
		set(&h.Become, s.Become)
		set(&h.ConnectTimeout, s.ConnectTimeout)
		set(&h.Jump, s.Jump)
		set(&h.Connection, s.Connection)
	}
	h.Address = rh.name
	if hb.Address != nil {
		h.Address = *hb.Address
	}
	h.IdentityFile = expandHome(h.IdentityFile, home)
	h.KnownHosts = expandHome(h.KnownHosts, home)
	if h.Connection != "ssh" && h.Connection != "local" {
		diags = hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid connection",
			Detail: fmt.Sprintf("connection must be \"ssh\" or \"local\", not %q.", h.Connection), Subject: &h.Range}}
	}
	return h, diags
}

// explicitSettings names the connection settings set in any of ss.
func explicitSettings(ss ...Settings) map[string]bool {
	out := map[string]bool{}
	for _, s := range ss {
		for name, isSet := range map[string]bool{"user": s.User != nil, "port": s.Port != nil,
			"identity_file": s.IdentityFile != nil, "known_hosts": s.KnownHosts != nil, "become": s.Become != nil,
			"connect_timeout": s.ConnectTimeout != nil, "jump": s.Jump != nil, "connection": s.Connection != nil} {
			if isSet {
				out[name] = true
			}
		}
	}
	return out
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func expandHome(p, home string) string {
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}

// decode checks a block body against the allowed attribute names and
// decodes it with gohcl; absent attributes leave pointer fields nil.
func decode(body hcl.Body, target *blockAttrs, names []string) hcl.Diagnostics {
	var attrs []hcl.AttributeSchema
	for _, n := range names {
		attrs = append(attrs, hcl.AttributeSchema{Name: n})
	}
	content, diags := body.Content(&hcl.BodySchema{Attributes: attrs})
	if diags.HasErrors() {
		return diags
	}
	synth := &attrBody{attrs: content.Attributes, rng: body.MissingItemRange()}
	diags = append(diags, gohcl.DecodeBody(synth, evalCtx, &target.Settings)...)
	var rest struct {
		Address *string    `hcl:"address"`
		Groups  []string   `hcl:"groups"`
		Vars    *cty.Value `hcl:"vars"`
	}
	diags = append(diags, gohcl.DecodeBody(synth, evalCtx, &rest)...)
	target.Address, target.Groups, target.Vars = rest.Address, rest.Groups, rest.Vars
	return diags
}

// mapVars copies an object or map value into dst.
func mapVars(v *cty.Value, dst map[string]cty.Value) hcl.Diagnostics {
	if v == nil || v.IsNull() {
		return nil
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid vars", Detail: "vars must be a map or object."}}
	}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		dst[k.AsString()] = e
	}
	return nil
}

// Select returns the hosts matched by patterns (host or group names; "all"),
// narrowed by limit: a comma list of names where "!name" excludes.
func (inv *Inventory) Select(patterns []string, limit string) ([]*Host, error) {
	var out []*Host
	for _, h := range inv.Hosts {
		if inv.matches(h, patterns) {
			out = append(out, h)
		}
	}
	if strings.TrimSpace(limit) == "" {
		return out, nil
	}
	var inc, exc []string
	for _, p := range strings.Split(limit, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		name := strings.TrimPrefix(p, "!")
		if !inv.known(name) {
			return nil, fmt.Errorf("--limit: no host or group named %q in %s", name, inv.File)
		}
		if strings.HasPrefix(p, "!") {
			exc = append(exc, name)
		} else {
			inc = append(inc, name)
		}
	}
	var res []*Host
	for _, h := range out {
		if len(inc) > 0 && !inv.matches(h, inc) {
			continue
		}
		if len(exc) > 0 && inv.matches(h, exc) {
			continue
		}
		res = append(res, h)
	}
	return res, nil
}

func (inv *Inventory) matches(h *Host, names []string) bool {
	for _, n := range names {
		if n == h.Name || slices.Contains(h.Groups, n) {
			return true
		}
	}
	return false
}

func (inv *Inventory) known(name string) bool {
	if slices.Contains(inv.Groups, name) {
		return true
	}
	for _, h := range inv.Hosts {
		if h.Name == name {
			return true
		}
	}
	return false
}

// CheckPatterns reports playbook host patterns that name nothing.
func (inv *Inventory) CheckPatterns(patterns []string) []string {
	var bad []string
	for _, p := range patterns {
		if !inv.known(p) {
			bad = append(bad, p)
		}
	}
	sort.Strings(bad)
	return bad
}
