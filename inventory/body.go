package inventory

import "github.com/hashicorp/hcl/v2"

// attrBody is an hcl.Body holding already-extracted attributes, so that
// gohcl can decode optional pointer fields from a hand-built schema.
type attrBody struct {
	attrs hcl.Attributes
	rng   hcl.Range
}

func (b *attrBody) Content(s *hcl.BodySchema) (*hcl.BodyContent, hcl.Diagnostics) {
	c, _, d := b.PartialContent(s)
	return c, d
}

func (b *attrBody) PartialContent(s *hcl.BodySchema) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	c := &hcl.BodyContent{Attributes: hcl.Attributes{}, MissingItemRange: b.rng}
	for _, as := range s.Attributes {
		if a, ok := b.attrs[as.Name]; ok {
			c.Attributes[as.Name] = a
		}
	}
	return c, b, nil
}

func (b *attrBody) JustAttributes() (hcl.Attributes, hcl.Diagnostics) { return b.attrs, nil }
func (b *attrBody) MissingItemRange() hcl.Range                       { return b.rng }
