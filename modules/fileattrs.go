package modules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// overlay replaces probed state with what earlier tasks of this plan write.
func overlay(h *Host, path string, cur fileState) fileState {
	if h == nil {
		return cur
	}
	pf, ok := h.Pending[path]
	if !ok {
		if goneAncestor(h, path) != "" {
			return fileState{Type: "absent", Guard: cur.Guard}
		}
		return cur
	}
	if !pf.Known {
		return cur
	}
	switch {
	case pf.Absent:
		return fileState{Type: "absent", Guard: cur.Guard}
	case pf.Link != "":
		return fileState{Type: "link", Target: pf.Link, Guard: cur.Guard}
	}
	next := fileState{Type: "file", Mode: cur.Mode, Owner: cur.Owner, Group: cur.Group,
		Content: pf.Content, HasContent: true, SHA256: sha(pf.Content), Guard: cur.Guard}
	if pf.Dir {
		next = fileState{Type: "directory", Mode: cur.Mode, Owner: cur.Owner, Group: cur.Group, Guard: cur.Guard}
	}
	if cur.Type != next.Type {
		next.Mode, next.Owner, next.Group = "0644", "root", "root"
		if pf.Dir {
			next.Mode = "0755"
		}
	}
	if pf.Mode != "" {
		next.Mode = pf.Mode
	}
	if pf.Owner != "" {
		next.Owner = pf.Owner
	}
	if pf.Group != "" {
		next.Group = pf.Group
	}
	return next
}

// goneAncestor returns the directory above path that an earlier task of
// this plan removes, or "".
func goneAncestor(h *Host, path string) string {
	if h == nil {
		return ""
	}
	for d := dirOf(path); d != "/" && d != ""; d = dirOf(d) {
		if pf, ok := h.Pending[d]; ok {
			if pf.Known && pf.Absent {
				return d
			}
			return ""
		}
	}
	return ""
}

// creatable fails the plan of a new file whose directory an earlier task
// removes: apply's write would fail there too, with a less clear error.
func creatable(h *Host, path string) error {
	if d := goneAncestor(h, path); d != "" {
		return fmt.Errorf("cannot create %s: an earlier task removes %s", path, d)
	}
	return nil
}

// write plans an atomic write and records its predicted result.
func (p *Plan) write(w WriteSpec) {
	if len(w.Content) > StageThreshold {
		p.Steps = append(p.Steps, Step{Desc: "write " + w.Path, Script: writeScript(w, true), Upload: w.Content})
	} else {
		p.step("write "+w.Path, writeScript(w, false))
	}
	p.writes(w.Path, &FileState{Known: true, Content: w.Content, Mode: w.Mode, Owner: w.Owner, Group: w.Group})
}

func (f *File) spec() WriteSpec {
	return WriteSpec{Path: f.Path, Content: f.data, Mode: normMode(f.Mode), Owner: f.Owner, Group: f.Group, Validate: f.Validate, Backup: f.Backup}
}

// planAttrs plans mode/owner/group changes of an existing path.
func (f *File) planAttrs(p *Plan, cur fileState) {
	mode, owner, group := "", "", ""
	if f.Mode != "" && normMode(f.Mode) != cur.Mode {
		mode = normMode(f.Mode)
	}
	if f.Owner != "" && !sameID(f.Owner, cur.Owner, cur.OwnerID) {
		owner = f.Owner
	}
	if f.Group != "" && !sameID(f.Group, cur.Group, cur.GroupID) {
		group = f.Group
	}
	if mode == "" && owner == "" && group == "" {
		return
	}
	p.add("~", "%s %s%s", cur.Type, f.Path, attrChange(cur, mode, owner, group))
	p.step("set attributes of "+f.Path, guarded(f.Path, owner, "set -e\n"+attrScript(Quote(f.Path), mode, owner, group), ""))
	switch {
	case cur.Type == "file" && cur.HasContent:
		p.writes(f.Path, &FileState{Known: true, Content: cur.Content, Mode: or(mode, cur.Mode), Owner: or(owner, cur.Owner), Group: or(group, cur.Group)})
	case cur.Type == "directory":
		p.writes(f.Path, &FileState{Known: true, Dir: true, Mode: or(mode, cur.Mode), Owner: or(owner, cur.Owner), Group: or(group, cur.Group)})
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func attrNote(mode, owner, group string) string {
	var parts []string
	if mode != "" {
		parts = append(parts, "mode "+normMode(mode))
	}
	if owner != "" {
		parts = append(parts, "owner "+owner)
	}
	if group != "" {
		parts = append(parts, "group "+group)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func attrChange(cur fileState, mode, owner, group string) string {
	var parts []string
	if mode != "" && normMode(mode) != cur.Mode {
		parts = append(parts, "mode "+cur.Mode+" -> "+normMode(mode))
	}
	if owner != "" && !sameID(owner, cur.Owner, cur.OwnerID) {
		parts = append(parts, "owner "+cur.Owner+" -> "+owner)
	}
	if group != "" && !sameID(group, cur.Group, cur.GroupID) {
		parts = append(parts, "group "+cur.Group+" -> "+group)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// sameID: a wanted owner or group is what the host has, by name or, when
// given as a number (chown takes "1000" as the id when no user has that
// name), by id.
func sameID(want, name, id string) bool {
	if want == name {
		return true
	}
	if id == "" || want != id {
		return false
	}
	_, err := strconv.ParseUint(want, 10, 32)
	return err == nil
}
