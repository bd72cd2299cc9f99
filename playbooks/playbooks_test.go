package playbooks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clawrun/clawrun/modules"
	"github.com/zclconf/go-cty/cty"
)

func write(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEveryFeatureValidates loads a playbook using every part of the
// language and checks it, as `clawrun validate` does.
func TestEveryFeatureValidates(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "t.tmpl", "user=${user}\n")
	write(t, dir, "mod.tmpl", "user=${user} host=${host.name} %{ for p in var.ports }${p} %{ endfor }\n")
	write(t, dir, "static.txt", "static\n")
	pb := write(t, dir, "all.hcl", `
hosts               = ["vps"]
become              = true
serial              = 2
max_fail_percentage = 50
force_handlers      = true

variable "admin_user" {
  type        = string
  default     = "moltbot"
  description = "user"
}
variable "ports" {
  type    = list(number)
  default = [22, 443]
}
variable "token" {
  type      = string
  sensitive = true
}
variable "flags" {
  type    = map(bool)
  default = { nginx = false }
}

locals {
  home   = "/home/${var.admin_user}"
  config = "${local.home}/.openclaw"
  sum    = sha256(var.token)
  b64    = base64decode(base64encode("x"))
  extra  = jsondecode(jsonencode({ a = 1 }))
  token2 = sensitive(random_hex(16))
  envv   = env("HOME")
  f      = file("static.txt")
  tf     = templatefile("t.tmpl", { user = "u" })
  upper  = upper(join(",", [for p in var.ports : tostring(p)]))
  merged = merge({ a = 1 }, { b = 2 })
}

task "file" "cfg" {
  for_each = toset(["a", "b"])
  path     = "${local.config}/${each.key}.conf"
  content  = "${each.value} ${host.facts.os_id} ${host.name}\n"
  when     = contains(host.groups, "vps")
  tags     = ["cfg"]
  become   = true
  notify   = [handler.restart]
}

task "template" "t" {
  source        = "mod.tmpl"
  path          = "/etc/t"
  vars          = { user = var.admin_user }
  sensitive     = true
  ignore_errors = true
}

task "service" "s" {
  name    = "cron"
  state   = "started"
  enabled = !var.flags.nginx
}

task "command" "c" {
  cmd    = "echo ${local.sum}"
  unless = "true"
}

task "line" "l" {
  path   = "/etc/x"
  regexp = "^a="
  line   = "a=${var.ports[0]}"
  create = true
}

task "user" "u" {
  name            = var.admin_user
  authorized_keys = []
}

task "apt" "p" {
  packages = ["hello"]
}

task "ufw" "f" {
  state = "enabled"
  rule {
    action = "allow"
    port   = var.ports[0]
    proto  = "tcp"
  }
}

task "cron" "cr" {
  name     = "x"
  schedule = "@daily"
  command  = "true"
}

task "jq-edit" "j" {
  path       = "/x.json"
  expression = ".a = $t"
  args       = { t = var.token }
  create     = true
}

handler "service" "restart" {
  name  = "cron"
  state = "restarted"
}
`)
	p, diags := Load(pb)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	vars, diags := p.ResolveVars(Inputs{}, false)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if d := p.Check(vars, nil, &Secrets{}); d.HasErrors() {
		t.Fatal(d)
	}
	if d := p.Check(vars, []CheckHost{{Name: "h1", Groups: []string{"all", "vps"}}}, &Secrets{}); d.HasErrors() {
		t.Fatal(d)
	}
	if p.Serial != 2 || p.MaxFailPct != 50 || !p.ForceHandlers || len(p.Tasks) != 10 || len(p.Handlers) != 1 {
		t.Errorf("top level %+v", p)
	}
}

func TestVariablePrecedence(t *testing.T) {
	dir := t.TempDir()
	pb := write(t, dir, "p.hcl", "variable \"a\" {\n  default = \"default\"\n}\nvariable \"n\" {\n  type = number\n  default = 1\n}\nvariable \"l\" {\n  type = list(string)\n  default = []\n}\n")
	vf := write(t, dir, "v.hcl", "a = \"file\"\nn = 3\n")
	p, _ := Load(pb)
	cases := []struct {
		name string
		in   Inputs
		a    string
		n    int64
	}{
		{name: "default", a: "default", n: 1},
		{name: "env", in: Inputs{Environ: []string{"CLAWRUN_VAR_a=env", "CLAWRUN_VAR_other=ignored"}}, a: "env", n: 1},
		{name: "file over env", in: Inputs{Environ: []string{"CLAWRUN_VAR_a=env"}, VarFiles: []string{vf}}, a: "file", n: 3},
		{name: "flag over file", in: Inputs{VarFiles: []string{vf}, Vars: []string{"a=flag", "n=7"}}, a: "flag", n: 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, d := p.ResolveVars(c.in, true)
			if d.HasErrors() {
				t.Fatal(d)
			}
			n, _ := v["n"].AsBigFloat().Int64()
			if v["a"].AsString() != c.a || n != c.n {
				t.Errorf("a=%s n=%d", v["a"].AsString(), n)
			}
		})
	}
	if _, d := p.ResolveVars(Inputs{Vars: []string{"nope=1"}}, true); !d.HasErrors() {
		t.Error("undeclared --var accepted")
	}
	if _, d := p.ResolveVars(Inputs{Vars: []string{"n=abc"}}, true); !d.HasErrors() {
		t.Error("non-number accepted for a number")
	}
	v, d := p.ResolveVars(Inputs{Vars: []string{`l=["a","b"]`}}, true)
	if d.HasErrors() || v["l"].LengthInt() != 2 {
		t.Errorf("list literal: %v %v", d, v["l"])
	}
}

func TestSensitiveValuesAreCollectedAndRedacted(t *testing.T) {
	dir := t.TempDir()
	pb := write(t, dir, "p.hcl", `
variable "token" {
  sensitive = true
  default   = "s3cret-value"
}
locals {
  env = "TOKEN=${var.token}\nOTHER=1\n"
  gen = sensitive("generated-abc")
}
task "file" "f" {
  path    = "/x"
  content = local.env
}
task "command" "c" {
  cmd = "use ${local.gen} and ${base64encode(var.token)}"
}
`)
	p, _ := Load(pb)
	vars, _ := p.ResolveVars(Inputs{}, true)
	s := &Secrets{}
	scope, d := p.NewScope(vars, HostValue("h", "a", nil, nil, &modules.Facts{}), nil, s)
	if d.HasErrors() {
		t.Fatal(d)
	}
	for _, spec := range p.Tasks {
		if _, d := scope.Instantiate(spec); d.HasErrors() {
			t.Fatal(d)
		}
	}
	out := s.Redact("+TOKEN=s3cret-value\nrun use generated-abc and czNjcmV0LXZhbHVl\nOTHER=1")
	for _, leak := range []string{"s3cret-value", "generated-abc", "czNjcmV0LXZhbHVl"} {
		if strings.Contains(out, leak) {
			t.Errorf("%q not redacted: %s", leak, out)
		}
	}
	if !strings.Contains(out, "OTHER=1") {
		t.Errorf("non-secret line redacted: %s", out)
	}
}

func FuzzLoadPlaybook(f *testing.F) {
	f.Add("task \"file\" \"x\" {\n  path = \"/x\"\n  notify = [handler.h]\n}\nhandler \"command\" \"h\" {\n  cmd = \"true\"\n}\n")
	f.Add("variable \"v\" {\n  type = list(\n}\n")
	f.Add("locals {\n  a = local.b\n  b = local.a\n}\n")
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		p, diags := Load(write(t, dir, "f.hcl", src))
		if p == nil || diags.HasErrors() {
			return
		}
		vars, _ := p.ResolveVars(Inputs{}, false)
		p.Check(vars, nil, &Secrets{})
	})
}

func TestHostValueShape(t *testing.T) {
	v := HostValue("h1", "10.0.0.1", []string{"all", "vps"}, map[string]cty.Value{"x": cty.StringVal("y")}, &modules.Facts{OSID: "debian"})
	if v.GetAttr("facts").GetAttr("os_id").AsString() != "debian" || v.GetAttr("vars").GetAttr("x").AsString() != "y" {
		t.Errorf("%#v", v)
	}
}
