package modules

import (
	"fmt"
	"path"

	"github.com/hashicorp/hcl/v2"
)

// requireAbs rejects a relative path attribute, as file does: on the host
// it would resolve against the login shell's working directory, which no
// playbook should depend on.
func requireAbs(a Attrs, attr, p string) hcl.Diagnostics {
	if p == "" || path.IsAbs(p) {
		return nil
	}
	return hcl.Diagnostics{a.Diag(attr, "Path must be absolute", fmt.Sprintf("%q is relative.", p))}
}
