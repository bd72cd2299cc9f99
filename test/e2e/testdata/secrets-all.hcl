variable "token" {
  type      = string
  sensitive = true
}

variable "fail" {
  type    = bool
  default = false
}

variable "bad_validate" {
  type    = bool
  default = false
}

task "file" "dir" {
  path  = "/etc/clawsecret"
  state = "directory"
}

task "file" "env" {
  path    = "/etc/clawsecret/env"
  content = "TOKEN=${var.token}\n"
  mode    = "0600"
}

task "jq-edit" "json" {
  path       = "/etc/clawsecret/app.json"
  create     = true
  expression = ".token = $t"
  args       = { t = var.token }
}

task "template" "templated" {
  source = "secret.tmpl"
  path   = "/etc/clawsecret/templated"
}

task "command" "holds_secret" {
  cmd    = "T='${var.token}'; sleep 2; test -n \"$T\""
  unless = "test -e /etc/clawsecret/ran-${sha256(var.token)}"
}

task "command" "fails_loudly" {
  cmd  = "echo 'cannot use ${var.token}' >&2; exit 1"
  when = var.fail
}

task "file" "bad_validate" {
  path     = "/etc/clawsecret/validated"
  content  = "secret=${var.token}\n"
  validate = "cat %s; echo; false"
  when     = var.bad_validate
}
