# Weekly backup of ~/.openclaw (runbook 10a).
# Part of playbooks/vps.hcl; include it on its own. A variable that vars
# does not set takes --var, CLAWRUN_VAR_* or the host's inventory var of
# the same name, else its default; vars win over all of them, for every host:
#
#   include "backup" {
#     source = "parts/backup.hcl"
#   }

variable "admin_user" {
  type        = string
  default     = "moltbot"
  description = "Dedicated non-root user that owns ~/.openclaw and runs the gateway (runbook 1)."
}

variable "backup_schedule" {
  type        = string
  default     = "0 2 * * 0"
  description = "When the ~/.openclaw backup runs (runbook 10a): weekly, Sunday 02:00."
}

variable "backup_privacy" {
  type        = bool
  default     = false
  description = "Privacy-conscious backup: leave out session transcripts and the workspace."
}

locals {
  home            = "/home/${var.admin_user}"
  backup_excludes = var.backup_privacy ? "--exclude='.openclaw/sessions' --exclude='.openclaw/workspace' " : ""
}

task "file" "backup_dir" {
  path  = "${local.home}/backups"
  state = "directory"
  mode  = "0700"
  owner = var.admin_user
  group = var.admin_user
  tags  = ["backup"]
}

task "cron" "backup" {
  name      = "openclaw backup"
  cron_file = "openclaw-backup"
  user      = var.admin_user
  schedule  = var.backup_schedule
  command   = "tar czf ${local.home}/backups/openclaw-backup-$(date +\\%Y\\%m\\%d).tar.gz ${local.backup_excludes}-C ${local.home}/ .openclaw/"
  tags      = ["backup"]
}
