# Baseline: packages in one apt transaction, time sync, shell environment (runbook 1, 7).
# Part of playbooks/vps.hcl; include it on its own. A variable that vars
# does not set takes --var, CLAWRUN_VAR_* or the host's inventory var of
# the same name, else its default; vars win over all of them, for every host:
#
#   include "base" {
#     source = "parts/base.hcl"
#   }

variable "packages" {
  type        = list(string)
  default     = ["chrony", "jq", "cron", "sudo"]
  description = "Packages installed in one apt transaction (vps.hcl adds ufw, fail2ban, nginx, ... so that the play pays for apt once)."
}

task "apt" "base" {
  packages         = var.packages
  update_cache     = true
  cache_valid_time = 3600
  tags             = ["packages"]
}

task "service" "chrony" {
  name    = "chrony"
  state   = "started"
  enabled = true
  tags    = ["time"]
}

# --- 7) shell environment: no mDNS, no history of secrets ----------------------

task "file" "profile" {
  path    = "/etc/profile.d/openclaw.sh"
  content = <<-EOT
    # Managed by clawrun (playbooks/vps.hcl): runbook 7.
    export OPENCLAW_DISABLE_BONJOUR=1
    export HISTCONTROL=ignoreboth
    export HISTFILESIZE=0
  EOT
  mode    = "0644"
}
