package modules

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Apt manages Debian packages in one apt-get transaction per task.
type Apt struct {
	// Packages are package names.
	Packages []string `hcl:"packages,optional"`
	// State is present (default), absent or latest.
	State string `hcl:"state,optional"`
	// UpdateCache runs apt-get update before installing or upgrading, and on
	// its own (a change) when the lists are older than CacheValidTime.
	UpdateCache bool `hcl:"update_cache,optional"`
	// CacheValidTime is how many seconds package lists stay fresh.
	CacheValidTime int `hcl:"cache_valid_time,optional"`
	// InstallRecommends installs recommended packages too (default false).
	InstallRecommends bool `hcl:"install_recommends,optional"`
	// Purge removes configuration files too (state = absent).
	Purge bool `hcl:"purge,optional"`
	// Upgrade is none (default), safe (apt-get upgrade) or full (dist-upgrade).
	Upgrade string `hcl:"upgrade,optional"`
	// LockTimeout is how many seconds to wait for the dpkg lock (default 300).
	LockTimeout *int `hcl:"lock_timeout,optional"`
}

var (
	_ Module  = (*Apt)(nil)
	_ Checker = (*Apt)(nil)
	_ Stabler = (*Apt)(nil)
)

var pkgName = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(:[a-z0-9]+)?$`)

// Check validates names and enumerations.
func (a *Apt) Check(at Attrs) hcl.Diagnostics {
	diags := oneOf(at, "state", a.State, "present", "absent", "latest")
	diags = append(diags, oneOf(at, "upgrade", a.Upgrade, "none", "safe", "full")...)
	for _, p := range a.Packages {
		if !pkgName.MatchString(p) {
			diags = append(diags, at.Diag("packages", "Invalid package name", fmt.Sprintf("%q is not a Debian package name.", p)))
		}
	}
	return diags
}

func (a *Apt) state() string {
	if a.State == "" {
		return "present"
	}
	return a.State
}

// Probe reads every package's status in one dpkg-query, the lists' age,
// and simulates the transaction (apt-get -s) only when something would
// change, for the versions the plan names.
func (a *Apt) Probe() string {
	var b strings.Builder
	// The lists only matter with update_cache (age: with cache_valid_time).
	if a.CacheValidTime > 0 {
		b.WriteString("now=$(date +%s); if [ -d /var/lib/apt/lists ]; then echo \"lists_age=$((now - $(stat -c %Y /var/lib/apt/lists)))\"; fi\n")
	}
	if a.consumesStamp() {
		// An apt_repository task changed a repository (this run or an
		// earlier one): the lists must be updated first. A builtin, no process.
		fmt.Fprintf(&b, "if [ -e %s ]; then echo repo_changed=yes; fi\n", Quote(AptUpdateStamp))
	}
	if a.UpdateCache {
		b.WriteString("have_lists=no; for f in /var/lib/apt/lists/*_Packages*; do [ -e \"$f\" ] && have_lists=yes; break; done; echo \"have_lists=$have_lists\"\n")
	}
	if len(a.Packages) > 0 {
		qs := quoteAll(a.Packages)
		// One process: the lines are printed and joined with builtins.
		fmt.Fprintf(&b, "s=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}${Version}\\n' %s 2>/dev/null)\n", qs)
		b.WriteString("set -f; o=$IFS; IFS='\n'; j=' '; for l in $s; do echo \"pkg $l\"; j=\"$j$l \"; done; IFS=$o; set +f; s=$j\n")
		switch a.state() {
		case "present":
			fmt.Fprintf(&b, "want=''; for p in %s; do case \"$s\" in *\" ${p%%%%:*} ii \"*) ;; *) want=\"$want $p\";; esac; done\n", qs)
			fmt.Fprintf(&b, "if [ -n \"$want\" ]; then %s install %s $want 2>&1 | sed -n 's/^/sim /p'; fi\n", a.simulate(), a.recommends())
		case "latest":
			fmt.Fprintf(&b, "%s install %s %s 2>&1 | sed -n 's/^/sim /p'\n", a.simulate(), a.recommends(), qs)
		case "absent":
			fmt.Fprintf(&b, "gone=''; for p in %s; do case \"$s\" in *\" ${p%%%%:*} ii \"*|*\" ${p%%%%:*} rc \"*|*\" ${p%%%%:*} i\"*) gone=\"$gone $p\";; esac; done\n", qs)
			fmt.Fprintf(&b, "if [ -n \"$gone\" ]; then apt-get -s -q -o Debug::NoLocking=1 %s $gone 2>&1 | sed -n 's/^/sim /p'; fi\n", a.removeVerb())
		}
	}
	switch a.Upgrade {
	case "safe":
		b.WriteString("apt-get -s -q -o Debug::NoLocking=1 upgrade 2>&1 | sed -n 's/^/simup /p'\n")
	case "full":
		b.WriteString("apt-get -s -q -o Debug::NoLocking=1 dist-upgrade 2>&1 | sed -n 's/^/simup /p'\n")
	}
	return b.String()
}

// simulate is the apt-get -s command line. With update_cache it first
// fetches fresh lists into a temp folder, leaving the host's own lists and
// caches alone, so that plan names the versions apply will install.
func (a *Apt) simulate() string {
	sim := "apt-get -s -q -o Debug::NoLocking=1"
	if !a.UpdateCache {
		return sim
	}
	return `sim() { t=$(mktemp -d); mkdir -p "$t/partial"
o="-o Dir::State::Lists=$t -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=1"
apt-get -q $o update >/dev/null 2>&1; apt-get -s -q $o "$@"; rm -rf "$t"; }; sim`
}

// consumesStamp: tasks that install, upgrade or update lists need lists
// that know every repository; removing packages does not.
func (a *Apt) consumesStamp() bool {
	return a.UpdateCache || a.Upgrade == "safe" || a.Upgrade == "full" || (len(a.Packages) > 0 && a.state() != "absent")
}

// stampPending: an earlier task of this plan writes AptUpdateStamp (an
// apt_repository change); in apply the probe sees the file itself.
func stampPending(h *Host) bool {
	if h == nil {
		return false
	}
	w, ok := h.Pending[AptUpdateStamp]
	return ok && w.Known && !w.Absent
}

func (a *Apt) recommends() string {
	if a.InstallRecommends {
		return "--install-recommends"
	}
	return "--no-install-recommends"
}

func (a *Apt) removeVerb() string {
	if a.Purge {
		return "purge"
	}
	return "remove"
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = Quote(s)
	}
	return strings.Join(q, " ")
}

// Stable drops the lists' age, keeping only whether they are stale.
func (a *Apt) Stable(out string) string {
	st := parseApt(out)
	stale := a.CacheValidTime > 0 && (st.ListsAge < 0 || st.ListsAge > a.CacheValidTime)
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "lists_age=") {
			b.WriteString(l + "\n")
		}
	}
	fmt.Fprintf(&b, "stale=%t\n", stale)
	return b.String()
}

// aptState is the parsed probe output.
type aptState struct {
	ListsAge  int // seconds; -1 unknown
	HaveLists bool
	// RepoChanged: AptUpdateStamp is there (an apt_repository changed).
	RepoChanged bool
	Status      map[string]string // package -> "ii", "rc", ...
	Version     map[string]string
	Sim         []simOp // transaction for the task's packages
	SimUp       []simOp // transaction for upgrade
	SimErr      string  // apt-get -s error (E: lines)
}

// simOp is one line of apt-get -s output: Inst, Remv, Purg.
type simOp struct {
	Op, Package, From, To string
}

var simLine = regexp.MustCompile(`^(Inst|Remv|Purg) (\S+)(?: \[([^\]]+)\])?(?: \((\S+))?`)

func parseApt(out string) aptState {
	st := aptState{ListsAge: -1, Status: map[string]string{}, Version: map[string]string{}}
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "lists_age="):
			st.ListsAge, _ = strconv.Atoi(strings.TrimPrefix(l, "lists_age="))
		case l == "have_lists=yes":
			st.HaveLists = true
		case l == "repo_changed=yes":
			st.RepoChanged = true
		case strings.HasPrefix(l, "pkg "):
			f := strings.Fields(strings.TrimPrefix(l, "pkg "))
			if len(f) >= 2 {
				st.Status[f[0]] = f[1][:min(2, len(f[1]))]
				if len(f) >= 3 {
					st.Version[f[0]] = f[2]
				} else if len(f[1]) > 2 {
					st.Version[f[0]] = f[1][2:]
				}
			}
		case strings.HasPrefix(l, "sim "), strings.HasPrefix(l, "simup "):
			rest := l[strings.Index(l, " ")+1:]
			if strings.HasPrefix(rest, "E: ") {
				st.SimErr = strings.TrimSpace(strings.TrimPrefix(rest, "E: "))
				continue
			}
			if m := simLine.FindStringSubmatch(rest); m != nil {
				op := simOp{Op: m[1], Package: m[2], From: m[3], To: m[4]}
				if m[1] != "Inst" {
					op.To = ""
				}
				if strings.HasPrefix(l, "simup ") {
					st.SimUp = append(st.SimUp, op)
				} else {
					st.Sim = append(st.Sim, op)
				}
			}
		}
	}
	return st
}

// Plan decides the transaction.
func (a *Apt) Plan(h *Host, out string) (*Plan, error) {
	st := parseApt(out)
	repo := a.consumesStamp() && (st.RepoChanged || stampPending(h))
	if repo {
		// The simulation ran against the lists from before the repository
		// change: its versions (or its "nothing to do") may be wrong. Name
		// no version; latest and upgrade act after the update, same run.
		st.Sim, st.SimUp, st.SimErr = nil, nil, ""
	}
	p := &Plan{}
	install, remove := a.pick(st, repo)
	stale := a.UpdateCache && (!st.HaveLists || (a.CacheValidTime > 0 && (st.ListsAge < 0 || st.ListsAge > a.CacheValidTime)))
	upgrade := a.Upgrade == "safe" || a.Upgrade == "full"
	upgrading := upgrade && (len(st.SimUp) > 0 || repo)
	if len(install) == 0 && len(remove) == 0 && !upgrading && !stale && !repo {
		return p, nil
	}
	var diff strings.Builder
	update := repo || a.UpdateCache && (stale || len(install) > 0 || upgrade)
	if update {
		switch {
		case repo:
			p.add("~", "update package lists (an apt repository changed)")
		case stale:
			p.add("~", "update package lists%s", a.ageNote(st))
		}
		// The same script whatever the reason: a saved plan's steps must
		// match in apply, where the stamp, not a pending write, says so.
		// After a repository change every list must update cleanly: apt-get
		// update exits 0 when a signature is refused or a fetch fails, and
		// keeps the old lists. The stamp then stays for the next run.
		st := Quote(AptUpdateStamp)
		p.step("apt-get update", a.lockWait()+"e=; if [ -e "+st+" ]; then e='-o APT::Update::Error-Mode=any'; fi\n"+
			"apt-get update -q "+a.lockOpt()+" $e >/dev/null || { rc=$?; [ -z \"$e\" ] || echo 'clawrun: apt-get update failed after an apt_repository change: fix what apt names above (its URI, suite or key); the next run updates the lists again' >&2; exit $rc; }\n"+
			"rm -f -- "+st)
		p.writes(AptUpdateStamp, &FileState{Absent: true, Known: true})
	}
	if len(install) > 0 {
		for _, pkg := range install {
			name, _, _ := strings.Cut(pkg, ":")
			if v := st.Version[name]; st.Status[name] == "ii" && repo {
				p.add("~", "%s %s -> (latest from the updated lists)", name, v)
			} else if st.Status[name] == "ii" {
				p.add("~", "%s %s -> %s", name, v, or(simVersion(st.Sim, name), "newest"))
			} else {
				p.add("+", "%s %s", name, or(simVersion(st.Sim, name), "(version from the updated lists)"))
			}
		}
		writeSim(&diff, "install", st.Sim, st.SimErr, update)
		p.step("apt-get install", a.lockWait()+aptEnv+"apt-get install -y -q "+a.lockOpt()+" "+dpkgOpts+" "+a.recommends()+" "+quoteAll(install))
	}
	if len(remove) > 0 {
		for _, pkg := range remove {
			name, _, _ := strings.Cut(pkg, ":")
			verb := ""
			if a.Purge {
				verb = " (purge)"
			}
			p.add("-", "%s %s%s", name, st.Version[name], verb)
		}
		writeSim(&diff, a.removeVerb(), st.Sim, st.SimErr, false)
		p.step("apt-get "+a.removeVerb(), a.lockWait()+aptEnv+"apt-get "+a.removeVerb()+" -y -q "+a.lockOpt()+" "+quoteAll(remove))
	}
	if upgrading {
		verb := map[string]string{"safe": "upgrade", "full": "dist-upgrade"}[a.Upgrade]
		if repo {
			p.add("~", "%s: packages from the updated lists", verb)
		} else {
			p.add("~", "%s: %d packages", verb, len(st.SimUp))
		}
		writeSim(&diff, verb, st.SimUp, "", update)
		p.step("apt-get "+verb, a.lockWait()+aptEnv+"apt-get "+verb+" -y -q "+a.lockOpt()+" "+dpkgOpts)
	}
	p.Diff = diff.String()
	if len(install) > 0 || len(remove) > 0 || upgrading {
		p.Opaque = "changes packages"
	}
	return p, nil
}

// pick sorts the declared packages into those to install (or upgrade)
// and those to remove; repo: the lists are about to change.
func (a *Apt) pick(st aptState, repo bool) (install, remove []string) {
	for _, pkg := range a.Packages {
		name, _, _ := strings.Cut(pkg, ":")
		status := st.Status[name]
		switch a.state() {
		case "present":
			if status != "ii" {
				install = append(install, pkg)
			}
		case "latest":
			if status != "ii" || simHas(st.Sim, name) || repo {
				install = append(install, pkg)
			}
		case "absent":
			if status == "ii" || strings.HasPrefix(status, "i") || (a.Purge && status == "rc") {
				remove = append(remove, pkg)
			}
		}
	}
	return install, remove
}

const (
	aptEnv   = "DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a "
	dpkgOpts = "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
)

func (a *Apt) timeout() int {
	if a.LockTimeout != nil {
		return *a.LockTimeout
	}
	return 300
}

func (a *Apt) lockOpt() string { return fmt.Sprintf("-o DPkg::Lock::Timeout=%d", a.timeout()) }

// lockWait waits for the dpkg and apt locks, naming the holder once on
// stderr as a "clawrun-notice:" line (the runner shows it while waiting),
// and fails clearly after the timeout. It reads /proc/locks, which sees
// both fcntl (apt, dpkg) and flock holders.
func (a *Apt) lockWait() string {
	return fmt.Sprintf(`holder() { for f in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock; do
  [ -e "$f" ] || continue; i=$(stat -c %%i "$f")
  while read -r _ _ _ _ pid dev _; do case "$dev" in *:"$i") [ "$pid" -gt 0 ] 2>/dev/null && [ -r /proc/$pid/comm ] && { echo "$(cat /proc/$pid/comm) (pid $pid) on $f"; return; };; esac; done < /proc/locks
done; }
end=$(( $(date +%%s) + %d )); said=
while h=$(holder); [ -n "$h" ]; do
  [ -z "$said" ] && { echo "clawrun-notice: waiting for the package lock held by $h" >&2; said=1; }
  if [ "$(date +%%s)" -ge "$end" ]; then echo "package lock still held by $h after %ds; giving up" >&2; exit 1; fi
  sleep 1
done
`, a.timeout(), a.timeout())
}

// ageNote says why the lists are updated. Not their age in seconds: that
// would differ between plan and apply a second later.
func (a *Apt) ageNote(st aptState) string {
	switch {
	case !st.HaveLists:
		return " (none yet)"
	case a.CacheValidTime > 0 && (st.ListsAge < 0 || st.ListsAge > a.CacheValidTime):
		return fmt.Sprintf(" (older than %ds)", a.CacheValidTime)
	}
	return ""
}

func simHas(ops []simOp, name string) bool {
	return slices.ContainsFunc(ops, func(o simOp) bool { return o.Package == name && o.Op == "Inst" })
}

func simVersion(ops []simOp, name string) string {
	for _, o := range ops {
		if o.Package == name && o.Op == "Inst" {
			return o.To
		}
	}
	return ""
}

// writeSim lists the whole simulated transaction, dependencies included.
func writeSim(b *strings.Builder, verb string, ops []simOp, simErr string, updateFirst bool) {
	if len(ops) == 0 {
		if updateFirst {
			fmt.Fprintf(b, "%s: versions are known once the package lists are updated\n", verb)
		} else if simErr != "" {
			fmt.Fprintf(b, "%s: apt-get -s: %s\n", verb, simErr)
		}
		return
	}
	fmt.Fprintf(b, "%s (apt-get -s, with dependencies):\n", verb)
	for _, o := range ops {
		switch {
		case o.Op == "Inst" && o.From != "":
			fmt.Fprintf(b, "  ~ %s %s -> %s\n", o.Package, o.From, o.To)
		case o.Op == "Inst":
			fmt.Fprintf(b, "  + %s %s\n", o.Package, o.To)
		default:
			fmt.Fprintf(b, "  - %s %s\n", o.Package, o.From)
		}
	}
}
