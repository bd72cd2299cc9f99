# fail2ban guards SSH, reading the journal (runbook 9).
# Part of playbooks/vps.hcl; include it on its own. A variable that vars
# does not set takes --var, CLAWRUN_VAR_* or the host's inventory var of
# the same name, else its default; vars win over all of them, for every host:
#
#   include "fail2ban" {
#     source = "parts/fail2ban.hcl"
#   }

variable "ssh_port" {
  type        = number
  default     = 22
  description = "The SSH port the firewall keeps open."
}

variable "fail2ban_maxretry" {
  type        = number
  default     = 5
  description = "Failed SSH logins before fail2ban bans an address."
}

variable "fail2ban_bantime" {
  type        = string
  default     = "1h"
  description = "How long fail2ban bans an address."
}

variable "install" {
  type        = bool
  default     = true
  description = "Install fail2ban and python3-systemd here; vps.hcl installs every package in one transaction first and sets false."
}

task "apt" "packages" {
  packages = ["fail2ban", "python3-systemd"]
  when     = var.install
  tags     = ["packages"]
}

task "file" "fail2ban_sshd" {
  path    = "/etc/fail2ban/jail.d/sshd.local"
  content = <<-EOT
    # Managed by clawrun (playbooks/vps.hcl): runbook 9.
    # backend = systemd: Debian 12 and Ubuntu 24.04 log sshd to the journal
    # only, and the default (auth.log) jail would not start.
    [sshd]
    enabled  = true
    backend  = systemd
    port     = ${var.ssh_port}
    maxretry = ${var.fail2ban_maxretry}
    bantime  = ${var.fail2ban_bantime}
  EOT
  mode    = "0644"
  notify  = [handler.restart_fail2ban]
  tags    = ["fail2ban"]
}

task "service" "fail2ban" {
  name    = "fail2ban"
  state   = "started"
  enabled = true
  tags    = ["fail2ban"]
}

handler "service" "restart_fail2ban" {
  name  = "fail2ban"
  state = "restarted"
}
