package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/clawrun/clawrun/inventory"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// inventoryHCL prints resolved hosts as an inventory clawrun can load:
// every setting explicit, vars merged (defaults, groups, host).
func inventoryHCL(hosts []*inventory.Host) []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	for i, h := range hosts {
		if i > 0 {
			body.AppendNewline()
		}
		b := body.AppendNewBlock("host", []string{h.Name}).Body()
		if h.Connection == "local" {
			b.SetAttributeValue("connection", cty.StringVal("local"))
		} else {
			b.SetAttributeValue("address", cty.StringVal(h.Address))
			b.SetAttributeValue("port", cty.NumberIntVal(int64(h.Port)))
			b.SetAttributeValue("user", cty.StringVal(h.User))
			if h.IdentityFile != "" {
				b.SetAttributeValue("identity_file", cty.StringVal(h.IdentityFile))
			}
			b.SetAttributeValue("known_hosts", cty.StringVal(h.KnownHosts))
			if h.Jump != "" {
				b.SetAttributeValue("jump", cty.StringVal(h.Jump))
			}
			b.SetAttributeValue("connect_timeout", cty.NumberIntVal(int64(h.ConnectTimeout)))
		}
		b.SetAttributeValue("become", cty.BoolVal(h.Become))
		var groups []cty.Value
		for _, g := range h.Groups {
			if g != "all" {
				groups = append(groups, cty.StringVal(g))
			}
		}
		if len(groups) > 0 {
			b.SetAttributeValue("groups", cty.ListVal(groups))
		}
		if len(h.Vars) > 0 {
			b.SetAttributeValue("vars", cty.ObjectVal(h.Vars))
		}
	}
	return hclwrite.Format(f.Bytes())
}

// inventoryJSON prints resolved hosts as one JSON document.
func inventoryJSON(w io.Writer, hosts []*inventory.Host) error {
	type jhost struct {
		Name           string                     `json:"name"`
		Connection     string                     `json:"connection"`
		Address        string                     `json:"address,omitempty"`
		Port           int                        `json:"port,omitempty"`
		User           string                     `json:"user,omitempty"`
		IdentityFile   string                     `json:"identity_file,omitempty"`
		KnownHosts     string                     `json:"known_hosts,omitempty"`
		Jump           string                     `json:"jump,omitempty"`
		ConnectTimeout int                        `json:"connect_timeout,omitempty"`
		Become         bool                       `json:"become"`
		Groups         []string                   `json:"groups"`
		Vars           map[string]json.RawMessage `json:"vars"`
	}
	out := struct {
		Hosts []jhost `json:"hosts"`
	}{Hosts: []jhost{}}
	for _, h := range hosts {
		j := jhost{Name: h.Name, Connection: h.Connection, Become: h.Become, Groups: h.Groups, Vars: map[string]json.RawMessage{}}
		if h.Connection != "local" {
			j.Address, j.Port, j.User, j.IdentityFile, j.KnownHosts, j.Jump, j.ConnectTimeout =
				h.Address, h.Port, h.User, h.IdentityFile, h.KnownHosts, h.Jump, h.ConnectTimeout
		}
		keys := make([]string, 0, len(h.Vars))
		for k := range h.Vars {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := h.Vars[k]
			b, err := ctyjson.Marshal(v, v.Type())
			if err != nil {
				return err
			}
			j.Vars[k] = b
		}
		out.Hosts = append(out.Hosts, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func doInventory(c *cobra.Command, f *flags) error {
	if f.inventory == "" {
		return errors.New("inventory: pass -i INVENTORY")
	}
	if err := checkColor(f.color); err != nil {
		return err
	}
	if f.format != "text" && f.format != "json" {
		return fmt.Errorf("unknown --format %q for inventory (text, json)", f.format)
	}
	inv, diags := inventory.Load(f.inventory)
	printDiags(c.ErrOrStderr(), diags, useColor(f.color, c.ErrOrStderr()))
	if diags.HasErrors() {
		return exitError{1}
	}
	hosts, err := inv.Select([]string{"all"}, f.limit)
	if err == nil {
		hosts, err = shardHosts(f, hosts)
	}
	if err != nil {
		return err
	}
	if f.format == "json" {
		return inventoryJSON(c.OutOrStdout(), hosts)
	}
	c.OutOrStdout().Write(inventoryHCL(hosts))
	return nil
}
