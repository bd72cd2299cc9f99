package modules

// inheritedGroup is the group a file created at path gets when its
// directory is setgid (that directory's group), from an earlier task's
// plan of the directory or from the probe.
func inheritedGroup(h *Host, path string, cur fileState) (string, bool) {
	mode, group := cur.ParentMode, cur.ParentGroup
	if h != nil {
		if pf := h.Pending[dirOf(path)]; pf != nil && pf.Known && pf.Dir {
			mode, group = pf.Mode, or(pf.Group, group)
		}
	}
	if len(mode) == 4 && (mode[0]-'0')&2 != 0 && group != "" {
		return group, true
	}
	return "", false
}

// inherit corrects a planned new path for its setgid directory: the group
// is the directory's unless set, and a new directory is setgid too
// unless its mode is set (chmod 0NNNN clears the bit).
func inherit(p *Plan, h *Host, path string, cur fileState, mode, group string) {
	w := p.Writes[path]
	g, ok := inheritedGroup(h, path, cur)
	if w == nil || !ok {
		return
	}
	if group == "" {
		w.Group = g
	}
	if w.Dir && mode == "" {
		w.Mode = "2755"
	}
}

// claimedBy names the earlier task of this run that manages key.
func claimedBy(h *Host, key string) (string, bool) {
	if h == nil {
		return "", false
	}
	id, ok := h.Claims[key]
	return id, ok
}
