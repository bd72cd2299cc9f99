variable "token" {
  type      = string
  sensitive = true
}

variable "fail" {
  type    = bool
  default = false
}

locals {
  env = "TOKEN=${var.token}\n"
}

task "file" "env" {
  path    = "/etc/clawtest-secret.env"
  content = local.env
  mode    = "0600"
}

task "command" "uses_token" {
  cmd    = "echo using ${var.token} >/dev/null"
  unless = "test -n '${sha256(var.token)}'"
}

task "command" "fails_loudly" {
  cmd  = "echo 'bad token ${var.token}' >&2; exit 1"
  when = var.fail
}
