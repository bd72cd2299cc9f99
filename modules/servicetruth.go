package modules

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
)

// unitDirs are the directories systemd loads unit files and drop-ins from
// (the system instance, in priority order).
var unitDirs = []string{"/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"}

// serviceProbe reads the unit's properties in one systemctl call, plus
// what systemd does not say reliably: the drop-ins on disk (systemd 252
// reports NeedDaemonReload=no after a unit's first drop-in is added) and
// where a linked unit's file really is. Builtins only, but for readlink
// of a linked unit.
func serviceProbe(unit string) string {
	q := Quote(unit)
	var globs []string
	for _, d := range unitDirs {
		for _, n := range dropInDirs(unit) {
			globs = append(globs, d+"/"+Quote(n)+"/*.conf")
		}
	}
	return fmt.Sprintf(`o=$(systemctl show -p LoadState,ActiveState,UnitFileState,NeedDaemonReload,FragmentPath,DropInPaths,CanReload,Type,ConditionResult,ConditionTimestampMonotonic -- %s); rc=$?
printf '%%s\n' "$o"
dropins=
if [ "$rc" = 0 ]; then
  for f in %s; do if [ -f "$f" ]; then printf 'DropInFile=%%s\n' "$f"; dropins="$dropins$f
"; fi; done
  case "$o" in *FragmentPath=/*) f=${o#*FragmentPath=}; f=${f%%%%"
"*}; if [ -L "$f" ]; then printf 'FragmentTarget=%%s\n' "$(readlink -f -- "$f")"; fi;; esac
fi
[ "$rc" = 0 ]
`, q, strings.Join(globs, " "))
}

// dropInDirs are the drop-in directory names systemd reads for a unit, as
// systemd 252 does (unit_file_find_dirs): the top-level type dir
// (service.d), the unit's own, its template's (name@.service.d) and every
// dash prefix of both (foo-.service.d for foo-bar.service).
func dropInDirs(unit string) []string {
	dot := strings.LastIndex(unit, ".")
	if dot <= 0 {
		return []string{unit + ".d"}
	}
	stem, suffix := unit[:dot], unit[dot:]
	dirs := []string{suffix[1:] + ".d"}
	add := func(n string) {
		if !slices.Contains(dirs, n+".d") {
			dirs = append(dirs, n+".d")
		}
	}
	names := []string{stem}
	if at := strings.Index(stem, "@"); at > 0 && at < len(stem)-1 {
		names = append(names, stem[:at+1])
	}
	for _, n := range names {
		add(n + suffix)
		for i := len(n) - 2; i > 0; i-- {
			if n[i] == '-' {
				add(n[:i+1] + suffix)
			}
		}
	}
	return dirs
}

// newDropIn: a drop-in on disk that the loaded unit does not have.
func (st unitState) newDropIn() bool {
	if st.Load != "loaded" {
		return false
	}
	known := map[string]bool{}
	for _, f := range st.DropIns {
		known[usrPath(f)] = true
	}
	for _, f := range st.DropInFiles {
		if !known[usrPath(f)] {
			return true
		}
	}
	return false
}

// usrPath is a path in its /usr form: /lib is /usr/lib on Debian 12
// (merged /usr), and the probe finds a package's drop-in under both.
func usrPath(p string) string {
	if strings.HasPrefix(p, "/lib/") {
		return "/usr" + p
	}
	return p
}

// pendingUnit: an earlier task of this plan writes the unit's file (or
// the file a linked unit points to) or one of its drop-ins, so apply will
// find NeedDaemonReload=yes or a new drop-in and reload.
func (s *Service) pendingUnit(h *Host, st unitState) bool {
	if h == nil || len(h.Pending) == 0 {
		return false
	}
	fresh := func(p string) bool { pf := h.Pending[p]; return pf != nil && !pf.Loaded }
	if st.Fragment != "" && fresh(st.Fragment) {
		return true
	}
	if st.FragmentTarget != "" && fresh(st.FragmentTarget) {
		return true
	}
	if st.Load != "loaded" {
		return false // loaded on demand from what is on disk then
	}
	for p, pf := range h.Pending {
		if !pf.Loaded && s.isDropIn(p) {
			return true
		}
	}
	return false
}

// pendingStatic: an earlier task writes this unit's file, and neither it
// nor the drop-ins earlier tasks write for it have [Install] entries:
// systemd calls the unit static and enable does nothing to it.
func (s *Service) pendingStatic(h *Host) bool {
	if h == nil {
		return false
	}
	for _, d := range unitDirs {
		pf := h.Pending[d+"/"+s.unit()]
		if pf == nil || !pf.Known || pf.Absent {
			continue
		}
		files := [][]byte{pf.Content}
		var drops []string
		for p, df := range h.Pending {
			if df.Known && !df.Absent && s.isDropIn(p) {
				drops = append(drops, p)
			}
		}
		slices.SortFunc(drops, func(a, b string) int { return strings.Compare(path.Base(a), path.Base(b)) })
		for _, p := range drops {
			files = append(files, h.Pending[p].Content)
		}
		return !hasInstallEntries(files)
	}
	return false
}

// isDropIn: p is a *.conf file in one of the unit's drop-in directories.
func (s *Service) isDropIn(p string) bool {
	dir, file := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	return strings.HasSuffix(file, ".conf") && slices.Contains(unitDirs, path.Dir(dir)) &&
		slices.Contains(dropInDirs(s.unit()), path.Base(dir))
}

// hasInstallEntries: the unit file and its drop-ins (in the order systemd
// reads them) leave an [Install] entry that enable acts on. A section
// header with only comments, or entries an empty assignment reset, is
// none.
func hasInstallEntries(files [][]byte) bool {
	n := map[string]int{}
	for _, f := range files {
		sec := ""
		for _, l := range strings.Split(string(f), "\n") {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "[") {
				sec = l
				continue
			}
			k, v, ok := strings.Cut(l, "=")
			if sec != "[Install]" || !ok {
				continue
			}
			switch k = strings.TrimSpace(k); k {
			case "WantedBy", "RequiredBy", "UpheldBy", "Alias", "Also":
				if strings.TrimSpace(v) == "" {
					n[k] = 0 // an empty assignment resets the list
				} else {
					n[k] += len(strings.Fields(v))
				}
			}
		}
	}
	for _, c := range n {
		if c > 0 {
			return true
		}
	}
	return false
}

// planReload plans state = "reloaded": a running unit is reloaded, a
// stopped one started, and a unit that cannot reload fails the plan.
func (s *Service) planReload(p *Plan, h *Host, st unitState, active, needReload bool) error {
	u := Quote(s.unit())
	if !active {
		p.add("~", "start %s (stopped: reloaded starts it)", s.unit())
		p.step("start", "systemctl start -- "+u+st.startCheck(u))
		return nil
	}
	canReload := st.CanReload
	if needReload {
		// systemd's CanReload is of the unit as loaded: after the
		// daemon-reload it is what the files say.
		canReload = s.reloadableAfter(h, st)
	}
	if !canReload {
		return fmt.Errorf("%s cannot reload (its unit has no ExecReload=): use state = \"restarted\"", s.unit())
	}
	p.add("~", "reload %s", s.unit())
	p.step("reload", "systemctl reload -- "+u)
	return nil
}

// startCheck follows a start of a Type=simple unit: systemctl returns as
// soon as it forked, so an ExecStart that fails would pass as started
// (and be started again every run). A unit that failed right away fails
// the step.
func (st unitState) startCheck(u string) string {
	if st.Type != "simple" {
		return ""
	}
	return fmt.Sprintf(`
sleep 0.3
case "$(systemctl show -p ActiveState -- %s)" in *=failed) echo "clawrun: "%s" failed right after it started: see journalctl -u "%s >&2; exit 1;; esac`, u, u, u)
}

// reloadKey marks, among a plan's predicted writes, that an earlier task
// reloads systemd: what was on disk before is loaded from then on.
const reloadKey = "systemd:daemon-reload"

func daemonReloaded(h *Host) bool { return h != nil && h.Pending[reloadKey] != nil }

// markReloaded records that this plan reloads systemd: files written by
// earlier tasks are loaded after it, later services need no reload for
// them (apply's probe then finds NeedDaemonReload=no).
func markReloaded(h *Host, p *Plan) {
	if h == nil {
		return
	}
	for path, pf := range h.Pending {
		if !pf.Loaded && !pf.Absent && !strings.Contains(path, ":") {
			c := *pf
			c.Loaded = true
			p.writes(path, &c)
		}
	}
	p.writes(reloadKey, &FileState{})
}

// maskBlocker is the file in /etc/systemd/system that keeps systemctl
// mask from writing its /dev/null link there (a unit file or link of the
// same name, on the host or written by an earlier task), or "".
func (s *Service) maskBlocker(h *Host, st unitState) string {
	f := "/etc/systemd/system/" + s.unit()
	if h != nil {
		if pf := h.Pending[f]; pf != nil {
			if pf.Absent {
				return ""
			}
			return f
		}
	}
	if st.Fragment == f {
		return f
	}
	return ""
}

// execReloadProbe prints the ExecReload= lines in [Service] of the unit
// file and each drop-in the service probe listed, so a reloaded task can
// tell whether the unit still reloads after a daemon-reload.
const execReloadProbe = `if [ "$rc" = 0 ]; then
  { case "$o" in *FragmentPath=/*) f=${o#*FragmentPath=}; printf '%s\n' "${f%%"
"*}";; esac; printf '%s' "$dropins"; } | while IFS= read -r f; do
    [ -f "$f" ] || continue; s=
    while IFS= read -r l || [ -n "$l" ]; do case $l in '['*) s=$l;; ExecReload=*|ExecReload[[:space:]]*=*) [ "$s" = '[Service]' ] && printf 'ExecReloadIn=%s\t%s\n' "$f" "${l#*=}";; esac; done < "$f"
  done
fi
[ "$rc" = 0 ]
`

// reloadableAfter: the unit has an ExecReload= once systemd reads the unit
// file and its drop-ins (in file-name order) as they will be: on disk, or
// as an earlier task writes them. An empty ExecReload= resets the list.
func (s *Service) reloadableAfter(h *Host, st unitState) bool {
	pending := func(p string) *FileState {
		if h == nil {
			return nil
		}
		return h.Pending[p]
	}
	lines := func(p string) ([]string, bool) {
		if pf := pending(p); pf != nil {
			if !pf.Known {
				return nil, false
			}
			if pf.Absent {
				return nil, true
			}
			return execReloadLines(pf.Content), true
		}
		return st.ExecReloads[p], true
	}
	drops := map[string]string{} // base name -> path; the first directory wins
	for _, f := range st.DropInFiles {
		if _, ok := drops[path.Base(f)]; !ok {
			drops[path.Base(f)] = f
		}
	}
	if h != nil {
		for p, pf := range h.Pending {
			if _, ok := drops[path.Base(p)]; !ok && !pf.Absent && s.isDropIn(p) {
				drops[path.Base(p)] = p
			}
		}
	}
	files := []string{st.Fragment}
	for _, b := range slices.Sorted(maps.Keys(drops)) {
		files = append(files, drops[b])
	}
	n := 0
	for _, f := range files {
		ls, ok := lines(f)
		if !ok {
			return st.CanReload // content unknown: what systemd says
		}
		for _, v := range ls {
			if v == "" {
				n = 0
			} else {
				n++
			}
		}
	}
	return n > 0
}

// execReloadLines are the ExecReload= values in [Service] of a unit file.
func execReloadLines(content []byte) []string {
	var out []string
	sec := ""
	for _, l := range strings.Split(string(content), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "[") {
			sec = l
			continue
		}
		if k, v, ok := strings.Cut(l, "="); ok && sec == "[Service]" && strings.TrimSpace(k) == "ExecReload" {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}
