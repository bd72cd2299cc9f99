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
	// yet. A changed unit file (NeedDaemonReload=yes) is reloaded regardless.
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
	return "systemctl show -p LoadState,ActiveState,UnitFileState,NeedDaemonReload,FragmentPath,ConditionResult,ConditionTimestampMonotonic -- " + Quote(s.unit())
}

// unitState is the parsed probe output.
type unitState struct {
	Load, Active, UnitFile, Fragment string
	NeedReload                       bool
	// ConditionUnmet: the last start found a Condition*= false (e.g.
	// chrony's ConditionCapability=CAP_SYS_TIME in a container).
	ConditionUnmet bool
}

func parseUnit(out string) (unitState, error) {
	m := kv(out)
	if m["LoadState"] == "" {
		return unitState{}, fmt.Errorf("unexpected systemctl output %q", firstLine(out))
	}
	return unitState{Load: m["LoadState"], Active: m["ActiveState"], UnitFile: m["UnitFileState"],
		Fragment: m["FragmentPath"], NeedReload: m["NeedDaemonReload"] == "yes",
		ConditionUnmet: m["ConditionResult"] == "no" && m["ConditionTimestampMonotonic"] != "" && m["ConditionTimestampMonotonic"] != "0"}, nil
}

// Plan decides which systemctl calls are needed.
func (s *Service) Plan(h *Host, out string) (*Plan, error) {
	st, err := parseUnit(out)
	if err != nil {
		return nil, err
	}
	p := &Plan{}
	u := Quote(s.unit())
	// A loaded unit whose file changed, on disk or by an earlier task of
	// this run (plan predicts it), needs a daemon-reload: a reported change.
	if st.NeedReload || (st.Fragment != "" && h.Pending[st.Fragment] != nil) {
		p.add("~", "daemon-reload (unit file changed)")
		p.step("daemon-reload", "systemctl daemon-reload")
	}
	if s.Masked != nil {
		masked := st.UnitFile == "masked" || st.Load == "masked"
		if *s.Masked && !masked {
			p.add("~", "mask %s", s.unit())
			p.step("mask", "systemctl mask -- "+u)
		} else if !*s.Masked && masked {
			p.add("~", "unmask %s", s.unit())
			p.step("unmask", "systemctl unmask -- "+u)
		}
	}
	if s.Enabled != nil {
		enabled := false
		switch st.UnitFile {
		case "enabled", "enabled-runtime", "static", "alias", "indirect", "generated":
			enabled = true
		}
		if *s.Enabled && !enabled {
			p.add("~", "enable %s", s.unit())
			p.step("enable", "systemctl enable -- "+u)
		} else if !*s.Enabled && enabled && st.UnitFile != "static" {
			p.add("~", "disable %s", s.unit())
			p.step("disable", "systemctl disable -- "+u)
		}
	}
	active := st.Active == "active" || st.Active == "activating" || st.Active == "reloading"
	switch s.State {
	case "started":
		// A unit whose conditions said no is as started as it can be:
		// starting it again would change nothing (and report a change
		// on every run).
		if !active && !st.ConditionUnmet {
			p.add("~", "start %s", s.unit())
			p.step("start", "systemctl start -- "+u)
		}
	case "stopped":
		if active {
			p.add("~", "stop %s", s.unit())
			p.step("stop", "systemctl stop -- "+u)
		}
	case "restarted":
		p.add("~", "restart %s", s.unit())
		p.step("restart", "systemctl restart -- "+u)
	case "reloaded":
		p.add("~", "reload %s", s.unit())
		p.step("reload", fmt.Sprintf("if systemctl is-active -q -- %s; then systemctl reload -- %s; else systemctl start -- %s; fi", u, u, u))
	}
	if s.DaemonReload && len(p.Steps) > 0 && p.Steps[0].Desc != "daemon-reload" {
		// Make sure systemd has read unit files written earlier in this
		// run. Not a change of its own: systemd also loads unseen units on
		// demand, and the step is the same in plan and apply.
		p.Steps = append([]Step{{Desc: "daemon-reload", Script: "systemctl daemon-reload"}}, p.Steps...)
	}
	return p, nil
}
