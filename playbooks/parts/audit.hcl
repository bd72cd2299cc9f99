# openclaw security audit after apply (runbook 5), as the gateway's user.
# Part of playbooks/vps.hcl; include it on its own after the gateway:
#
#   include "audit" {
#     source = "parts/audit.hcl"
#   }
#
# The audit runs in the task's probe (unless): a clean audit is "ok" with no
# extra round trip, and on a first run the probe is taken again after the
# tasks before it changed the host, so it audits what apply just installed.
# A host without the binary is not audited. Findings fail the host with the
# audit's own report; "openclaw security audit --fix" on the host, or the
# playbook's settings, fix them.

variable "admin_user" {
  type        = string
  default     = "moltbot"
  description = "The user that runs the gateway; the audit runs as this user, on its ~/.openclaw."
}

variable "openclaw_bin" {
  type        = string
  default     = "/usr/bin/openclaw"
  description = "The openclaw binary; no binary, no audit."
}

variable "openclaw_audit" {
  type        = bool
  default     = true
  description = "Run openclaw security audit after apply and fail the host on findings."
}

locals {
  q_bin  = "'${replace(var.openclaw_bin, "'", "'\\''")}'"
  q_user = "'${replace(var.admin_user, "'", "'\\''")}'"
  q_home = "'${replace("/home/${var.admin_user}", "'", "'\\''")}'"
  # As the gateway's user, and with no_new_privs: nothing the audit runs
  # (it is the npm-installed package's code) can regain root through a
  # setuid binary.
  audit = "setpriv --reuid=${local.q_user} --regid=\"$(id -g ${local.q_user})\" --init-groups --no-new-privs -- env HOME=${local.q_home} USER=${local.q_user} LOGNAME=${local.q_user} ${local.q_bin} security audit"
}

task "command" "security_audit" {
  cmd    = "if ${local.audit} >&2; then exit 0; fi; echo 'openclaw security audit reported findings (above): fix them (openclaw security audit --fix on the host) and apply again' >&2; exit 1"
  unless = "[ ! -x ${local.q_bin} ] || ${local.audit}"
  when   = var.openclaw_audit
  tags   = ["openclaw", "audit"]
}
