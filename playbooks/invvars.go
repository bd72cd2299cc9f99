package playbooks

import (
	"os"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// hostVarsReads is what a playbook's HCL (its includes and the templates
// they render) reads of inventory vars: names declared as variables or
// read as host.vars.NAME, host.vars["NAME"] or lookup(host.vars, "NAME",
// ...). any is set when that cannot be decided statically (host or
// host.vars used whole, a computed key or template path): every var then
// counts as read, as usesFacts counts such a use as reading facts.
type hostVarsReads struct {
	names map[string]bool
	any   bool
}

// ReadsName reports whether the playbook declares a variable called name
// (itself, or an include whose vars leave it to the inventory), or reads
// host.vars.name (see hostVarsReads).
// Words elsewhere in the text do not count: the warning it feeds is about
// misspelt names.
func (pb *Playbook) ReadsName(name string) bool {
	for _, v := range pb.Variables {
		if v.Name == name {
			return true
		}
	}
	for _, u := range pb.Units {
		for _, v := range u.Variables {
			if v.Name == name && !slices.Contains(u.Sets, name) {
				return true // the included file's variable takes it
			}
		}
	}
	return pb.reads.any || pb.reads.names[name]
}

// noteReads adds the reads of an HCL body (the playbook's or an include's).
func (pb *Playbook) noteReads(dir string, body hcl.Body) {
	if pb.reads.names == nil {
		pb.reads.names = map[string]bool{}
	}
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		pb.reads.any = true
		return
	}
	pb.reads.walk(dir, sb, map[string]bool{})
}

func (r *hostVarsReads) walk(dir string, n hclsyntax.Node, seen map[string]bool) {
	skip := map[*hclsyntax.ScopeTraversalExpr]bool{} // lookup's host.vars
	hclsyntax.VisitAll(n, func(n hclsyntax.Node) hcl.Diagnostics {
		switch e := n.(type) {
		case *hclsyntax.ScopeTraversalExpr:
			if !skip[e] {
				r.traversal(e.Traversal)
			}
		case *hclsyntax.FunctionCallExpr:
			if e.Name == "lookup" && len(e.Args) >= 2 {
				if t, ok := e.Args[0].(*hclsyntax.ScopeTraversalExpr); ok && isHostVars(t.Traversal) {
					if k, ok := constString(e.Args[1]); ok {
						r.names[k] = true
						skip[t] = true
					}
				}
			}
			if e.Name == "templatefile" && len(e.Args) > 0 {
				r.template(dir, e.Args[0], seen)
			}
		case *hclsyntax.Block:
			if (e.Type == "task" || e.Type == "handler") && len(e.Labels) > 0 && e.Labels[0] == "template" {
				if a, ok := e.Body.Attributes["source"]; ok {
					r.template(dir, a.Expr, seen)
				}
			}
		}
		return nil
	})
}

// isHostVars is true for exactly host.vars (or host["vars"]).
func isHostVars(t hcl.Traversal) bool {
	return len(t) == 2 && t.RootName() == "host" && stepName(t[1]) == "vars"
}

// stepName is an attribute's or constant string index's name, else "".
func stepName(s hcl.Traverser) string {
	switch s := s.(type) {
	case hcl.TraverseAttr:
		return s.Name
	case hcl.TraverseIndex:
		if s.Key.IsKnown() && s.Key.Type() == cty.String {
			return s.Key.AsString()
		}
	}
	return ""
}

func (r *hostVarsReads) traversal(t hcl.Traversal) {
	if t.RootName() != "host" {
		return
	}
	if len(t) < 2 {
		r.any = true // host passed whole
		return
	}
	switch stepName(t[1]) {
	case "vars":
		if len(t) < 3 || stepName(t[2]) == "" {
			r.any = true
			return
		}
		r.names[stepName(t[2])] = true
	case "":
		r.any = true // host[expr]
	}
}

func constString(e hclsyntax.Expression) (string, bool) {
	if len(e.Variables()) > 0 {
		return "", false
	}
	v, d := e.Value(nil)
	if d.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

// template reads the template a constant path names; a computed path or
// an unreadable template counts as reading anything.
func (r *hostVarsReads) template(dir string, pathExpr hcl.Expression, seen map[string]bool) {
	e, ok := pathExpr.(hclsyntax.Expression)
	if !ok {
		r.any = true
		return
	}
	s, ok := constString(e)
	if !ok {
		r.any = true
		return
	}
	p := resolve(dir, s)
	if seen[p] {
		return
	}
	seen[p] = true
	src, err := os.ReadFile(p)
	if err != nil {
		r.any = true
		return
	}
	tmpl, diags := hclsyntax.ParseTemplate(src, p, hcl.InitialPos)
	if diags.HasErrors() {
		r.any = true
		return
	}
	r.walk(dir, tmpl, seen)
}
