# The dedicated non-root user that runs the gateway (runbook 1).
# Part of playbooks/vps.hcl; include it on its own:
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
