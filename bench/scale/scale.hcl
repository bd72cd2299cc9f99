# The workload of bench/scale.sh: 10 tasks per host, each over the host's
# own folder under /tmp/clawrun-scale/ (nothing else is touched). Run as
# root over loopback with become = false.
hosts = ["all"]

locals {
  dir = "/tmp/clawrun-scale/${host.name}"
}

task "file" "dir" {
  path  = local.dir
  state = "directory"
  mode  = "0700"
}

task "file" "etc" {
  path  = "${local.dir}/etc"
  state = "directory"
  mode  = "0755"
}

task "file" "motd" {
  path    = "${local.dir}/etc/motd"
  content = "managed by clawrun (${host.name})\n"
  mode    = "0644"
}

task "file" "profile" {
  path    = "${local.dir}/etc/profile.sh"
  content = "export OPENCLAW_DISABLE_BONJOUR=1\nexport HISTCONTROL=ignoreboth\nexport HISTFILESIZE=0\n"
  mode    = "0644"
}

task "template" "unit" {
  source = "unit.tmpl"
  path   = "${local.dir}/etc/gateway.service"
  mode   = "0644"
  vars   = { admin_user = "moltbot" }
}

task "line" "sshd_root" {
  path   = "${local.dir}/etc/sshd_config"
  line   = "PermitRootLogin prohibit-password"
  regexp = "^#?PermitRootLogin"
  create = true
  mode   = "0600"
}

task "line" "sshd_password" {
  path   = "${local.dir}/etc/sshd_config"
  line   = "PasswordAuthentication no"
  regexp = "^#?PasswordAuthentication"
  create = true
  mode   = "0600"
}

task "jq-edit" "config" {
  path       = "${local.dir}/openclaw.json"
  create     = true
  mode       = "0600"
  expression = ".gateway.bind = \"loopback\" | .gateway.auth.mode = \"token\" | .browser.evaluateEnabled = false | .plugins.enabled = false"
}

task "jq-edit" "logging" {
  path       = "${local.dir}/openclaw.json"
  create     = true
  mode       = "0600"
  expression = ".logging.redactSensitive = \"tools\" | .discovery.mdns.mode = \"off\""
}

task "command" "init" {
  cmd     = "date -u > ${local.dir}/initialized"
  creates = "${local.dir}/initialized"
}
