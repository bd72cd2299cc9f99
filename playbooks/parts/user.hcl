# The dedicated non-root user that runs the gateway (runbook 1).
# Part of playbooks/vps.hcl; include it on its own. A variable that vars
# does not set takes --var, CLAWRUN_VAR_* or the host's inventory var of
# the same name, else its default; vars win over all of them, for every host:
#
#   include "user" {
#     source = "parts/user.hcl"
#     vars   = { admin_user = "moltbot" }
#   }

variable "admin_user" {
  type        = string
  default     = "moltbot"
  description = "Dedicated non-root user that owns ~/.openclaw and runs the gateway (runbook 1)."
}

variable "admin_user_sudo" {
  type        = bool
  default     = false
  description = "Add admin_user to group sudo. Off by default: the gateway's user needs no root."
}

variable "admin_sudo_nopasswd" {
  type        = bool
  default     = false
  description = "With admin_user_sudo: sudo without a password (/etc/sudoers.d/90-clawrun-admin), so that later runs can log in as admin_user with become = true. For root-only images: see README, 'From a root-only VPS'."
}

variable "admin_authorized_keys" {
  type        = list(string)
  default     = null
  description = "When set, the exact SSH keys of admin_user (exclusive); null leaves them alone."
}

task "user" "admin" {
  name            = var.admin_user
  shell           = "/bin/bash"
  groups          = var.admin_user_sudo ? ["sudo"] : []
  authorized_keys = var.admin_authorized_keys
  tags            = ["user"]
}

task "file" "admin_sudoers" {
  path     = "/etc/sudoers.d/90-clawrun-admin"
  state    = var.admin_user_sudo && var.admin_sudo_nopasswd ? "file" : "absent"
  content  = var.admin_user_sudo && var.admin_sudo_nopasswd ? "${var.admin_user} ALL=(ALL) NOPASSWD:ALL\n" : null
  mode     = "0440"
  owner    = "root"
  group    = "root"
  validate = var.admin_user_sudo && var.admin_sudo_nopasswd ? "/usr/sbin/visudo -cf %s" : null
  tags     = ["user"]
}
