package playbooks

import (
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// usesFacts decides from the playbook's HCL traversals, and those of the
// templates it renders, whether any expression can read host.facts. Facts
// are then gathered before tasks are evaluated; otherwise they ride along
// with the first probe round trip. Whatever cannot be decided statically
// (host passed whole or indexed by an expression, a template whose path
// is computed, an unreadable template) counts as a use: a false positive
// costs one round trip, a false negative renders empty facts silently.
func usesFacts(dir string, body hcl.Body) bool {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return true
	}
	return nodeUsesFacts(dir, sb, map[string]bool{})
}

func nodeUsesFacts(dir string, n hclsyntax.Node, seen map[string]bool) bool {
	found := false
	hclsyntax.VisitAll(n, func(n hclsyntax.Node) hcl.Diagnostics {
		if found {
			return nil
		}
		switch e := n.(type) {
		case *hclsyntax.ScopeTraversalExpr:
			found = traversalReadsFacts(e.Traversal)
		case *hclsyntax.FunctionCallExpr:
			if e.Name == "templatefile" && len(e.Args) > 0 {
				found = templateUsesFacts(dir, e.Args[0], seen)
			}
		case *hclsyntax.Block:
			// The template module renders its source with host in scope.
			if e.Type == "task" || e.Type == "handler" {
				if len(e.Labels) > 0 && e.Labels[0] == "template" {
					if a, ok := e.Body.Attributes["source"]; ok {
						found = templateUsesFacts(dir, a.Expr, seen)
					}
				}
			}
		}
		return nil
	})
	return found
}

// traversalReadsFacts is true for host.facts... and for host used whole.
func traversalReadsFacts(t hcl.Traversal) bool {
	if t.RootName() != "host" {
		return false
	}
	if len(t) < 2 {
		return true
	}
	switch s := t[1].(type) {
	case hcl.TraverseAttr:
		return s.Name == "facts"
	case hcl.TraverseIndex:
		k := s.Key
		return !k.IsKnown() || k.Type() != cty.String || k.AsString() == "facts"
	}
	return true
}

// templateUsesFacts parses the template a path expression names, when the
// path is a constant, and looks at its traversals.
func templateUsesFacts(dir string, pathExpr hcl.Expression, seen map[string]bool) bool {
	if len(pathExpr.Variables()) > 0 {
		return true
	}
	v, diags := pathExpr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return true
	}
	p := resolve(dir, v.AsString())
	if seen[p] {
		return false
	}
	seen[p] = true
	src, err := os.ReadFile(p)
	if err != nil {
		return true
	}
	tmpl, diags := hclsyntax.ParseTemplate(src, p, hcl.InitialPos)
	if diags.HasErrors() {
		return true
	}
	return nodeUsesFacts(dir, tmpl, seen)
}
