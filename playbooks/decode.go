package playbooks

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/clawrun/clawrun/modules"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

// sensitiveMark marks values derived from a sensitive variable.
const sensitiveMark = "sensitive"

// decodeBody decodes body into target (a pointer to a struct with gohcl
// tags). Unlike gohcl.DecodeBody it tolerates unknown values (left at zero,
// for validation before facts are known) and sensitive marks (stripped,
// reported in Attrs and their strings added to secrets).
func decodeBody(body hcl.Body, ctx *hcl.EvalContext, target any, secrets *Secrets) (modules.Attrs, hcl.Diagnostics) {
	rv := reflect.ValueOf(target).Elem()
	schema, _ := gohcl.ImpliedBodySchema(target)
	content, diags := body.Content(schema)
	listValidNames(diags, schema)
	attrs := modules.Attrs{"": {Range: body.MissingItemRange(), Known: true}}
	if diags.HasErrors() {
		return attrs, diags
	}
	rt := rv.Type()
	blocksByType := map[string][]*hcl.Block{}
	for _, b := range content.Blocks {
		blocksByType[b.Type] = append(blocksByType[b.Type], b)
	}
	for i := 0; i < rt.NumField(); i++ {
		tag := rt.Field(i).Tag.Get("hcl")
		if tag == "" {
			continue
		}
		name, kind, _ := strings.Cut(tag, ",")
		fv := rv.Field(i)
		switch kind {
		case "", "attr", "optional":
			a, ok := content.Attributes[name]
			if !ok {
				continue
			}
			val, d := a.Expr.Value(ctx)
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			at := modules.Attr{Range: a.Expr.Range(), Known: val.IsWhollyKnown(), Sensitive: val.ContainsMarked()}
			if at.Sensitive && val.IsKnown() && !val.IsNull() && (val.Type().IsObjectType() || val.Type().IsMapType()) {
				// Per-key sensitivity, for maps such as jq-edit's args.
				for it := val.ElementIterator(); it.Next(); {
					k, e := it.Element()
					attrs[name+"."+k.AsString()] = modules.Attr{Range: a.Expr.Range(), Known: e.IsWhollyKnown(), Sensitive: e.ContainsMarked()}
				}
			}
			// Secrets were recorded where they arose (variables, sensitive(),
			// functions of sensitive values): redaction works on them.
			val, _ = val.UnmarkDeep()
			attrs[name] = at
			diags = append(diags, assign(fv, val, a.Expr.Range(), name)...)
		case "block":
			bs := blocksByType[name]
			elem := fv.Type()
			switch elem.Kind() {
			case reflect.Slice:
				sl := reflect.MakeSlice(elem, len(bs), len(bs))
				for j, b := range bs {
					ptr := reflect.New(elem.Elem())
					sub, d := decodeBody(b.Body, ctx, ptr.Interface(), secrets)
					diags = append(diags, d...)
					for k, v := range sub {
						attrs[fmt.Sprintf("%s.%d.%s", name, j, k)] = v
					}
					sl.Index(j).Set(ptr.Elem())
				}
				fv.Set(sl)
			case reflect.Ptr:
				if len(bs) > 0 {
					ptr := reflect.New(elem.Elem())
					_, d := decodeBody(bs[0].Body, ctx, ptr.Interface(), secrets)
					diags = append(diags, d...)
					fv.Set(ptr)
				}
			}
		}
	}
	return attrs, diags
}

// assign converts val to the field's type and stores it; unknown values
// leave the zero value.
func assign(fv reflect.Value, val cty.Value, rng hcl.Range, name string) hcl.Diagnostics {
	ty, err := gocty.ImpliedType(fv.Addr().Interface())
	if err != nil {
		ty = cty.DynamicPseudoType
	}
	if fv.Type() == reflect.TypeOf(cty.Value{}) {
		ty = cty.DynamicPseudoType
	}
	if fv.Kind() == reflect.Map && fv.Type().Elem() == reflect.TypeOf(cty.Value{}) {
		ty = cty.Map(cty.DynamicPseudoType)
		if val.Type().IsObjectType() || val.Type().IsMapType() {
			// Keep each element's own type: build the Go map directly.
			if !val.IsKnown() {
				return nil
			}
			if val.IsNull() {
				return nil
			}
			m := reflect.MakeMap(fv.Type())
			for it := val.ElementIterator(); it.Next(); {
				k, v := it.Element()
				m.SetMapIndex(reflect.ValueOf(k.AsString()), reflect.ValueOf(v))
			}
			fv.Set(m)
			return nil
		}
	}
	conv, err := convert.Convert(val, ty)
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Incorrect attribute value type",
			Detail: fmt.Sprintf("Inappropriate value for attribute %q: %s.", name, err), Subject: &rng}}
	}
	if !conv.IsWhollyKnown() || conv.IsNull() {
		return nil
	}
	if err := gocty.FromCtyValue(conv, fv.Addr().Interface()); err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Incorrect attribute value type",
			Detail: fmt.Sprintf("Inappropriate value for attribute %q: %s.", name, err), Subject: &rng}}
	}
	return nil
}

func fromCty(v cty.Value, target any) error { return gocty.FromCtyValue(v, target) }

// sortedAttrs returns attributes in source order.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Range.Start.Byte < out[j].Range.Start.Byte })
	return out
}

// listValidNames appends the accepted names to "Unsupported argument" and
// "Unsupported block type" diagnostics, so a typo's fix is in the message.
func listValidNames(diags hcl.Diagnostics, schema *hcl.BodySchema) {
	var names []string
	for _, a := range schema.Attributes {
		names = append(names, a.Name)
	}
	for _, b := range schema.Blocks {
		names = append(names, b.Type+" { }")
	}
	sort.Strings(names)
	for _, d := range diags {
		if d.Summary == "Unsupported argument" || d.Summary == "Unsupported block type" {
			d.Detail += " Valid here: " + strings.Join(names, ", ") + "."
		}
	}
}
