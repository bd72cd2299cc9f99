package modules

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Service manages a systemd unit.
type Service struct {
	// Name is the unit name; ".service" is implied when no suffix is given.
	Name string `hcl:"name"`
	// State is started, stopped, restarted or reloaded. restarted and
	// reloaded always change.
	State string `hcl:"state,optional"`
	// Enabled starts the unit at boot (true) or not (false); unset leaves it.
	Enabled *bool `hcl:"enabled,optional"`
	// Masked masks (true) or unmasks (false) the unit; unset leaves it.
	Masked *bool `hcl:"masked,optional"`
	// DaemonReload reloads systemd's units first when the unit is not loaded
	// (systemd could not find or parse it). A changed unit file
	// (NeedDaemonReload=yes) is reloaded regardless; a loaded, current unit
	// needs no reload, and enable, disable, mask and unmask reload anyway.
	DaemonReload bool `hcl:"daemon_reload,optional"`
}

var (
	_ Module  = (*Service)(nil)
	_ Checker = (*Service)(nil)
)

// Check validates the configuration.
func (s *Service) Check(a Attrs) hcl.Diagnostics {
	return oneOf(a, "state", s.State, "started", "stopped", "restarted", "reloaded")
}

func (s *Service) unit() string {
	if strings.Contains(s.Name, ".") {
		return s.Name
	}
	return s.Name + ".service"
}

// Probe reads the unit's properties in one systemctl call.
func (s *Service) Probe() string {
	if s.State == "reloaded" {
		return serviceProbe(s.unit()) + execReloadProbe
	}
	return serviceProbe(s.unit())
}

// unitState is the parsed probe output.
type unitState struct {
	Load, Active, UnitFile, Fragment string
	NeedReload                       bool
	// FragmentTarget is where a linked unit's file really is; DropIns
	// the drop-ins systemd loaded, DropInFiles those on disk now.
	FragmentTarget, Type string
	DropIns, DropInFiles []string
	CanReload            bool
	// ExecReloads are the ExecReload= values in [Service] of the unit file
	// and the drop-ins on disk, by path ("reloaded" probes them).
	ExecReloads map[string][]string
	// ConditionUnmet: the last start found a Condition*= false (e.g.
	// chrony's ConditionCapability=CAP_SYS_TIME in a container).
	ConditionUnmet bool
}

func parseUnit(out string) (unitState, error) {
	m := kv(out)
	if m["LoadState"] == "" {
		return unitState{}, fmt.Errorf("unexpected systemctl output %q", firstLine(out))
	}
	st := unitState{Load: m["LoadState"], Active: m["ActiveState"], UnitFile: m["UnitFileState"],
		Fragment: m["FragmentPath"], NeedReload: m["NeedDaemonReload"] == "yes",
		ConditionUnmet: m["ConditionResult"] == "no" && m["ConditionTimestampMonotonic"] != "" && m["ConditionTimestampMonotonic"] != "0",
		FragmentTarget: m["FragmentTarget"], Type: m["Type"], DropIns: strings.Fields(m["DropInPaths"]),
		CanReload: m["CanReload"] != "no"}
	for _, l := range strings.Split(out, "\n") {
		if f, ok := strings.CutPrefix(l, "DropInFile="); ok {
			st.DropInFiles = append(st.DropInFiles, f)
		}
		if f, ok := strings.CutPrefix(l, "ExecReloadIn="); ok {
			file, v, _ := strings.Cut(f, "\t")
			if st.ExecReloads == nil {
				st.ExecReloads = map[string][]string{}
			}
			st.ExecReloads[file] = append(st.ExecReloads[file], strings.TrimSpace(v))
		}
	}
	return st, nil
}

// Plan decides which systemctl calls are needed.
func (s *Service) Plan(h *Host, out string) (*Plan, error) {
	st, err := parseUnit(out)
	if err != nil {
		return nil, err
	}
	p := &Plan{Unit: s.unit()}
	u := Quote(s.unit())
	// implicit: a step (enable, disable, mask, unmask) reloads the daemon
	// itself.
	implicit := false
	// A loaded unit whose file changed, on disk or by an earlier task of
	// this run (plan predicts it), needs a daemon-reload: a reported change.
	needReload := (!daemonReloaded(h) && (st.NeedReload || st.newDropIn())) || s.pendingUnit(h, st)
	if needReload {
		p.add("~", "daemon-reload (unit file changed)")
	}
	if s.Masked != nil {
		masked := st.UnitFile == "masked" || st.Load == "masked"
		if *s.Masked && !masked {
			if f := s.maskBlocker(h, st); f != "" {
				return nil, fmt.Errorf("cannot mask %s: %s is a unit file of its own, and systemctl mask only writes a link to /dev/null where no file is (it would fail with \"already exists\"): move the unit file out of /etc/systemd/system (to /usr/local/lib/systemd/system, say), or remove it (file state = \"absent\") instead of masking: a unit without a file cannot start", s.unit(), f)
			}
			p.add("~", "mask %s", s.unit())
			p.step("mask", "systemctl mask -- "+u)
			implicit = true
		} else if !*s.Masked && masked {
			p.add("~", "unmask %s", s.unit())
			p.step("unmask", "systemctl unmask -- "+u)
			implicit = true
		}
	}
	enableAt, toggled := s.planEnabled(p, h, st)
	implicit = implicit || toggled
	active := st.Active == "active" || st.Active == "activating" || st.Active == "reloading"
	switch s.State {
	case "started":
		// A unit whose conditions said no is as started as it can be:
		// starting it again would change nothing (and report a change
		// on every run).
		if !active && !st.ConditionUnmet {
			p.add("~", "start %s", s.unit())
			// Enabling then starting is one systemctl call.
			if n := len(p.Steps); enableAt >= 0 && enableAt == n-1 {
				p.Steps[n-1] = Step{Desc: "enable --now", Script: "systemctl enable --now -- " + u + st.startCheck(u)}
			} else {
				p.step("start", "systemctl start -- "+u+st.startCheck(u))
			}
		}
	case "stopped":
		if active {
			p.add("~", "stop %s", s.unit())
			p.step("stop", "systemctl stop -- "+u)
		}
	case "restarted":
		p.add("~", "restart %s", s.unit())
		p.step("restart", "systemctl restart -- "+u+st.startCheck(u))
	case "reloaded":
		if err := s.planReload(p, h, st, active, needReload); err != nil {
			return nil, err
		}
	}
	// A daemon-reload re-runs every generator and re-reads every unit: the
	// costliest thing most plays do to a host. Do it once, and only when
	// no step here reloads anyway.
	// With daemon_reload, a unit systemd has not loaded is reloaded before
	// the other steps. Not a change of its own: the step is the same in
	// plan and apply.
	explicit := needReload || (s.DaemonReload && st.Load != "loaded" && len(p.Steps) > 0)
	if explicit && !implicit {
		p.Steps = append([]Step{{Desc: "daemon-reload", Script: "systemctl daemon-reload"}}, p.Steps...)
	}
	if explicit || implicit {
		markReloaded(h, p)
	}
	return p, nil
}

// planEnabled adds the step that enables or disables the unit, if one is
// needed: it returns the index of an enable step (-1: none), which a start
// joins, and whether it added a step (either reloads the daemon itself).
func (s *Service) planEnabled(p *Plan, h *Host, st unitState) (enableAt int, added bool) {
	if s.Enabled == nil {
		return -1, false
	}
	u := Quote(s.unit())
	enabled := false
	switch st.UnitFile {
	case "enabled", "enabled-runtime", "static", "alias", "indirect", "generated":
		enabled = true
	case "":
		// A unit file an earlier task writes without [Install] will
		// be static: enable does nothing to it.
		enabled = s.pendingStatic(h)
	}
	if *s.Enabled && !enabled {
		p.add("~", "enable %s", s.unit())
		p.step("enable", "systemctl enable -- "+u)
		return len(p.Steps) - 1, true
	}
	if !*s.Enabled && enabled && st.UnitFile != "static" {
		p.add("~", "disable %s", s.unit())
		script := "systemctl disable -- " + u
		if st.UnitFile == "enabled-runtime" {
			// Runtime links live in /run; plain disable keeps them
			// and the task would disable again every run.
			script = "systemctl disable --runtime -- " + u
		}
		p.step("disable", script)
		return -1, true
	}
	return -1, false
}
