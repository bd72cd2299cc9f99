# The clawrun twin of the Ansible benchmark workload: the same 16 tasks and
# the same end state, for side-by-side timing (bench/run.sh).
hosts  = ["vps"]
become = true

variable "admin_user" {
  type    = string
  default = "moltbot"
}

locals {
  home = "/home/${var.admin_user}"
}

task "apt" "base" {
  packages = ["ufw", "cron", "jq", "sudo", "openssh-server"]
}

task "user" "admin" {
  name  = var.admin_user
  shell = "/bin/bash"
}

task "file" "sshd_hardening" {
  path     = "/etc/ssh/sshd_config.d/10-hardening.conf"
  content  = "PermitRootLogin prohibit-password\nPasswordAuthentication no\nPubkeyAuthentication yes\nX11Forwarding no\n"
  mode     = "0644"
  validate = "/usr/sbin/sshd -t -f %s"
  notify   = [handler.reload_ssh]
}

task "file" "openclaw_dir" {
  path  = "${local.home}/.openclaw"
  state = "directory"
  mode  = "0700"
  owner = var.admin_user
}

# Ansible needs three tasks (copy force=false, slurp, copy) for what
# jq-edit does in one: create when missing, merge, keep order.
task "jq-edit" "openclaw_config" {
  path       = "${local.home}/.openclaw/openclaw.json"
  create     = true
  mode       = "0600"
  owner      = var.admin_user
  expression = ".gateway.bind = \"loopback\" | .gateway.auth.mode = \"token\" | .gateway.trustedProxies = [\"127.0.0.1\"] | .browser.evaluateEnabled = false | .plugins.enabled = false | .discovery.mdns.mode = \"off\" | .logging.redactSensitive = \"tools\""
  notify     = [handler.restart_gateway]
}

task "template" "gateway_unit" {
  source = "openclaw-gateway.service.tmpl"
  path   = "/etc/systemd/system/openclaw-gateway.service"
  mode   = "0644"
  vars   = { admin_user = var.admin_user }
  notify = [handler.restart_gateway]
}

task "file" "profile" {
  path    = "/etc/profile.d/openclaw.sh"
  content = "export OPENCLAW_DISABLE_BONJOUR=1\nexport HISTCONTROL=ignoreboth\nexport HISTFILESIZE=0\n"
  mode    = "0644"
}

task "ufw" "firewall" {
  state            = "enabled"
  default_incoming = "deny"
  rule {
    action = "allow"
    port   = 22
    proto  = "tcp"
  }
  rule {
    action = "allow"
    port   = 18789
    proto  = "tcp"
    from   = "127.0.0.1"
  }
}

task "cron" "backup" {
  name     = "openclaw backup"
  schedule = "0 2 * * 0"
  command  = "tar czf /var/backups/openclaw-$(date +\\%Y\\%m\\%d).tar.gz -C ${local.home} .openclaw/"
}

task "cron" "rotate" {
  name     = "rotate token"
  schedule = "0 3 1 * *"
  command  = "/usr/local/bin/rotate-openclaw-token.sh"
}

task "service" "cron" {
  name    = "cron"
  state   = "started"
  enabled = true
}

task "service" "gateway" {
  name          = "openclaw-gateway"
  state         = "started"
  enabled       = true
  daemon_reload = true
}

handler "service" "reload_ssh" {
  name  = "ssh"
  state = "reloaded"
}

handler "service" "restart_gateway" {
  name          = "openclaw-gateway"
  state         = "restarted"
  daemon_reload = true
}
