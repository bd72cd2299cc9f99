# Automatic security updates (runbook 8).
# Part of playbooks/vps.hcl; include it on its own. A variable that vars
# does not set takes --var, CLAWRUN_VAR_* or the host's inventory var of
# the same name, else its default; vars win over all of them, for every host:
#
#   include "updates" {
#     source = "parts/updates.hcl"
#   }

variable "install" {
  type        = bool
  default     = true
  description = "Install unattended-upgrades here; vps.hcl installs every package in one transaction first and sets false."
}

task "apt" "packages" {
  packages = ["unattended-upgrades"]
  when     = var.install
  tags     = ["packages"]
}

task "file" "auto_upgrades" {
  path    = "/etc/apt/apt.conf.d/20auto-upgrades"
  content = "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n"
  mode    = "0644"
  tags    = ["updates"]
}

task "service" "unattended_upgrades" {
  name    = "unattended-upgrades"
  state   = "started"
  enabled = true
  tags    = ["updates"]
}
