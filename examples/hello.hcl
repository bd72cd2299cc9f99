# The quickstart playbook: it only touches /tmp/clawrun-quickstart on the
# machine you run it on (inventory/local.hcl uses the local connection).

variable "greeting" {
  type        = string
  default     = "hello from clawrun"
  description = "What the greeting file says."
}

variable "api_token" {
  type        = string
  default     = "demo-token-not-a-secret"
  sensitive   = true
  description = "Shows redaction: this value never appears in output."
}

locals {
  dir = "/tmp/clawrun-quickstart"
}

task "file" "dir" {
  path  = local.dir
  state = "directory"
  mode  = "0755"
}

task "file" "greeting" {
  path    = "${local.dir}/greeting.txt"
  content = "${var.greeting} on ${host.facts.hostname}\n"
  mode    = "0644"
  notify  = [handler.announce]
}

task "file" "env" {
  path    = "${local.dir}/app.env"
  content = "API_TOKEN=${var.api_token}\n"
  mode    = "0600"
}

task "line" "setting" {
  path   = "${local.dir}/settings.conf"
  regexp = "^log_level ="
  line   = "log_level = debug"
  create = true
}

handler "command" "announce" {
  cmd = "date > ${local.dir}/last-changed"
}
