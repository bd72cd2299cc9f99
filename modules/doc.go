// Package modules holds clawrun's task modules. A module is pure: it turns its
// configuration into one probe script, decides from that script's output what
// must change, and returns the change as data (a Plan). It never touches a
// connection; the runner runs probes and steps.
package modules

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// AttrSpec is one attribute (or nested block) of a module, as the decoder
// sees it: read from the module struct's hcl tags, the one schema that
// decoding, `clawrun doc` and the README test share.
type AttrSpec struct {
	Name     string
	Type     string // HCL type: string, bool, number, list(string), map(string), map(any), block
	Required bool
	Block    []AttrSpec // the attributes of a nested block
	Default  string
	Meaning  string
}

// ModuleDoc describes a module for `clawrun doc`.
type ModuleDoc struct {
	Summary string
	// Attrs give each attribute's default ("" when none) and meaning; a
	// test checks they name exactly the attributes of the schema.
	Attrs map[string][2]string
}

// Schema returns the attributes of module name in declaration order, with
// their documentation; nil for an unknown module.
func Schema(name string) []AttrSpec {
	ctor, ok := Registry[name]
	if !ok {
		return nil
	}
	return schemaOf(reflect.TypeOf(ctor()).Elem(), Docs[name].Attrs, "")
}

func schemaOf(t reflect.Type, docs map[string][2]string, prefix string) []AttrSpec {
	var out []AttrSpec
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("hcl")
		if tag == "" {
			continue
		}
		name, kind, _ := strings.Cut(tag, ",")
		a := AttrSpec{Name: name, Required: kind == "" || kind == "attr"}
		d := docs[prefix+name]
		a.Default, a.Meaning = d[0], d[1]
		if kind == "block" {
			a.Type, a.Required = "block", false
			a.Block = schemaOf(f.Type.Elem(), docs, name+".")
		} else {
			a.Type = hclType(f.Type)
		}
		out = append(out, a)
	}
	return out
}

func hclType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "number"
	case reflect.Slice:
		return "list(" + hclType(t.Elem()) + ")"
	case reflect.Map:
		if t.Elem().Kind() == reflect.Struct { // cty.Value
			return "map(any)"
		}
		return "map(" + hclType(t.Elem()) + ")"
	}
	return "any"
}

// AttrNames lists the attribute names of a schema, nested ones as
// "block.attr", for error messages and tests.
func AttrNames(specs []AttrSpec) []string {
	var out []string
	for _, a := range specs {
		out = append(out, a.Name)
		for _, b := range a.Block {
			out = append(out, a.Name+"."+b.Name)
		}
	}
	return out
}

// ValidNames lists the attribute and block names a body of module name
// (or of its nested block, when block is set) accepts, sorted.
func ValidNames(name, block string) []string {
	specs := Schema(name)
	if block != "" {
		for _, a := range specs {
			if a.Name == block {
				specs = a.Block
			}
		}
	}
	var out []string
	for _, a := range specs {
		out = append(out, a.Name)
	}
	sort.Strings(out)
	return out
}

// FormatDefault renders a default for display.
func FormatDefault(a AttrSpec) string {
	switch {
	case a.Required:
		return "required"
	case a.Default == "":
		return "-"
	}
	return a.Default
}

// Docs documents every module; keep in step with the README's Modules
// section (a test compares them).
var Docs = map[string]ModuleDoc{
	"file": {Summary: "Manage a file, directory or symlink; content written atomically.", Attrs: map[string][2]string{
		"path":     {"", "Absolute path on the host."},
		"state":    {`"file"`, "file, directory, absent (directories recursively) or link."},
		"content":  {"", "Full content of the file. Neither content nor source: the content is left alone."},
		"source":   {"", "A file on the controller to copy, relative to the playbook."},
		"target":   {"", `Link target, for state = "link".`},
		"mode":     {"", `Octal mode such as "0644"; unset keeps what is there (new files 0644).`},
		"owner":    {"", "Owning user; unset keeps what is there (new files root)."},
		"group":    {"", "Owning group; unset keeps what is there (new files root)."},
		"validate": {"", "Command run on the temp file before it replaces the target; %s is its path."},
		"backup":   {"false", "Keep the replaced file as <path>.<timestamp>.bak."},
	}},
	"template": {Summary: "Render an HCL template on the controller, then write it as file does.", Attrs: map[string][2]string{
		"source":   {"", "Template file, relative to the playbook (${ }, %{ if }, %{ for })."},
		"path":     {"", "Absolute destination path on the host."},
		"vars":     {"", "Map of names visible in the template beside var, local, host and each."},
		"mode":     {"", `Octal mode such as "0644".`},
		"owner":    {"", "Owning user."},
		"group":    {"", "Owning group."},
		"validate": {"", "Command run on the temp file before it replaces the target; %s is its path."},
		"backup":   {"false", "Keep the replaced file as <path>.<timestamp>.bak."},
	}},
	"service": {Summary: "Start, stop, restart, reload, enable, mask a systemd unit.", Attrs: map[string][2]string{
		"name":          {"", `Unit name; ".service" is implied.`},
		"state":         {"", "started, stopped, restarted or reloaded (restarted and reloaded always change: use them in handlers)."},
		"enabled":       {"", "Start at boot (true) or not (false); unset leaves it."},
		"masked":        {"", "Mask (true) or unmask (false); unset leaves it."},
		"daemon_reload": {"false", "daemon-reload first when systemd has not loaded the unit."},
	}},
	"apt": {Summary: "Install, remove or upgrade Debian packages in one apt-get transaction.", Attrs: map[string][2]string{
		"packages":           {"[]", "Package names."},
		"state":              {`"present"`, "present, absent or latest."},
		"update_cache":       {"false", "apt-get update before installing, and on its own when the lists are older than cache_valid_time."},
		"cache_valid_time":   {"0", "Seconds the package lists stay fresh."},
		"install_recommends": {"false", "Install recommended packages too."},
		"purge":              {"false", "Remove configuration files too (state = absent)."},
		"upgrade":            {`"none"`, "none, safe (apt-get upgrade) or full (dist-upgrade)."},
		"lock_timeout":       {"300", "Seconds to wait for the dpkg/apt locks."},
	}},
	"apt_repository": {Summary: "A vendor's signed apt repository: a deb822 .sources file with Signed-By a keyring holding exactly the pinned key.", Attrs: map[string][2]string{
		"name":          {"", "Names /etc/apt/sources.list.d/<name>.sources and /etc/apt/keyrings/<name>.gpg (letters, digits, _ - .)."},
		"uris":          {"", "Repository URIs (http, https, file); required unless absent."},
		"suites":        {"", `Suites ("bookworm", "nodistro"), or a flat path ending in "/"; required unless absent.`},
		"components":    {"[]", `Components ("main"); required unless the suite is flat.`},
		"architectures": {"[]", "Architectures apt fetches; empty: apt's default."},
		"key_file":      {"", "The public key on the controller (relative to the playbook), armored or binary; checked before any host is contacted."},
		"key_url":       {"", "Instead of key_file: fetched on the host (at most 1 MiB) when its keyring lacks the key, checked on the controller before anything is written."},
		"fingerprint":   {"", "The key's full primary fingerprint (40 hex digits, spaces allowed); a mismatch fails the task and writes nothing."},
		"state":         {`"present"`, "present, or absent (both files removed)."},
	}},
	"ufw": {Summary: "Firewall defaults, logging and ordered rules, with a lock-out guard.", Attrs: map[string][2]string{
		"state":            {"", "enabled or disabled; unset leaves it."},
		"default_incoming": {"", "allow, deny or reject."},
		"default_outgoing": {"", "allow, deny or reject."},
		"default_routed":   {"", "allow, deny or reject."},
		"logging":          {"", "off, on, low, medium, high or full."},
		"rule":             {"", "A rule, in order (repeatable block)."},
		"rule.action":      {"", "allow, deny, limit or reject."},
		"rule.port":        {"any", `Port, range "8000:8100" or list "80,443".`},
		"rule.proto":       {`"any"`, "tcp, udp or any."},
		"rule.from":        {"any", "Source address or CIDR."},
		"rule.to":          {"any", "Destination address or CIDR."},
		"rule.interface":   {"", "Only on this interface (e.g. tailscale0)."},
		"rule.direction":   {`"in"`, "in or out."},
		"rule.comment":     {"", "Stored with the rule."},
		"exclusive":        {"false", "Delete rules this task does not declare."},
		"allow_lockout":    {"false", "Enable ufw or deny incoming even when the SSH connection in use would not be admitted."},
	}},
	"cron": {Summary: "A cron job in a user's crontab or /etc/cron.d, kept by a marker.", Attrs: map[string][2]string{
		"name":      {"", "Identifies the entry (a # clawrun: <name> marker)."},
		"schedule":  {"", "Five fields, or @reboot, @daily, ... (checked at validate time)."},
		"command":   {"", `The job; a literal % is \%.`},
		"user":      {`"root"`, "Whose job it is."},
		"state":     {`"present"`, "present or absent."},
		"cron_file": {"", "Write /etc/cron.d/<cron_file> instead of the user's crontab."},
		"env":       {"", "NAME=value lines before the job (cron_file only)."},
	}},
	"jq-edit": {Summary: "Edit a JSON file with a jq program, keeping key order; per-path diff.", Attrs: map[string][2]string{
		"path":       {"", "The JSON file on the host."},
		"expression": {"", "jq program (gojq); its first output is the new document."},
		"args":       {"", "Map of values visible as $name in the program."},
		"create":     {"false", "Start from {} when the file is missing (else the task fails)."},
		"mode":       {"", `Octal mode such as "0600"; unset keeps it (new files 0644).`},
		"owner":      {"", "Owning user; unset keeps it."},
		"group":      {"", "Owning group; unset keeps it."},
	}},
	"command": {Summary: "Run a shell command (sent on stdin); changed when it runs.", Attrs: map[string][2]string{
		"cmd":     {"", "Command run by /bin/sh."},
		"creates": {"", "Skip when this path exists on the host."},
		"unless":  {"", "Skip when this command exits 0 (runs during the probe)."},
	}},
	"line": {Summary: "Ensure one line in a text file is present or absent.", Attrs: map[string][2]string{
		"path":     {"", "Absolute path of the file."},
		"line":     {"", "The exact line, without newline."},
		"regexp":   {"", "RE2; present replaces the last matching line, absent removes matching lines."},
		"state":    {`"present"`, "present or absent."},
		"create":   {"false", "Make the file (mode 0644) when missing; otherwise a missing file fails the task."},
		"mode":     {"", "Octal mode when the file is written."},
		"owner":    {"", "Owning user when the file is written."},
		"group":    {"", "Owning group when the file is written."},
		"validate": {"", "Command run on the temp file before it replaces the target; %s is its path."},
	}},
	"user": {Summary: "A local user account and, optionally, its exact authorized_keys.", Attrs: map[string][2]string{
		"name":            {"", "Login name."},
		"state":           {`"present"`, "present or absent."},
		"shell":           {"", "Login shell."},
		"home":            {"/home/<name>", "Home directory (created)."},
		"groups":          {"[]", "Supplementary groups, appended, never removed."},
		"system":          {"false", "A system account."},
		"authorized_keys": {"", "When set, the exact content of ~/.ssh/authorized_keys (exclusive)."},
	}},
	"wait": {Summary: "Wait on the host for a port or URL to come up (or go down); never a change. How long: the task's timeout (default 60 s).", Attrs: map[string][2]string{
		"port":     {"", "TCP port that must accept connections (or, stopped, refuse them)."},
		"address":  {`"127.0.0.1"`, "Address the port is tried on, from the host."},
		"http":     {"", "URL fetched from the host (curl, wget or bash /dev/tcp), instead of port."},
		"status":   {"200", "HTTP status the URL must answer."},
		"contains": {"", "Text the HTTP body must contain (one line)."},
		"state":    {`"started"`, "started (wait until up) or stopped (until down)."},
	}},
}

// DocText renders `clawrun doc MODULE`.
func DocText(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n\n", name, Docs[name].Summary)
	rows := [][3]string{{"ATTRIBUTE", "TYPE", "DEFAULT"}}
	var meanings []string
	var add func(specs []AttrSpec, prefix string)
	add = func(specs []AttrSpec, prefix string) {
		for _, a := range specs {
			rows = append(rows, [3]string{prefix + a.Name, a.Type, FormatDefault(a)})
			meanings = append(meanings, a.Meaning)
			add(a.Block, prefix+"  ")
		}
	}
	add(Schema(name), "")
	w := [3]int{}
	for _, r := range rows {
		for i := range r {
			w[i] = max(w[i], len(r[i]))
		}
	}
	for i, r := range rows {
		fmt.Fprintf(&b, "%-*s  %-*s  %-*s", w[0], r[0], w[1], r[1], w[2], r[2])
		if i > 0 {
			b.WriteString("  " + meanings[i-1])
		} else {
			b.WriteString("  MEANING")
		}
		b.WriteString("\n")
	}
	b.WriteString("\nEvery task and handler also takes when, notify, tags, become, sensitive, for_each, ignore_errors, delegate and timeout; tasks also retries and delay.\n")
	return b.String()
}
