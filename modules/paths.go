package modules

import (
	"fmt"
	"path"

	"github.com/hashicorp/hcl/v2"
)

// checkPath requires an absolute path in clean form. A trailing slash, "."
// or ".." would make the host resolve the path through a symlink: on
// "link/", `rm -rf` deletes the files of the directory the link points to,
// leaves the link, and does it again every run.
func checkPath(a Attrs, attr, p string) hcl.Diagnostics {
	switch {
	case p == "":
		return nil // unknown at validate time
	case !path.IsAbs(p):
		return hcl.Diagnostics{a.Diag(attr, "Path must be absolute", fmt.Sprintf("%q is relative.", p))}
	case path.Clean(p) != p:
		return hcl.Diagnostics{a.Diag(attr, "Path must be in clean form",
			fmt.Sprintf("Write %q instead of %q: clawrun acts on the path itself, and a trailing slash, \".\" or \"..\" would resolve it through a symlink.", path.Clean(p), p))}
	}
	return nil
}
