# ufw: deny incoming except SSH (and the web ports given), lock-out guarded (runbook 4, 12.4).
# Part of playbooks/vps.hcl; include it on its own. A variable that vars
# does not set takes --var, CLAWRUN_VAR_* or the host's inventory var of
# the same name, else its default; vars win over all of them, for every host:
#
#   include "firewall" {
#     source = "parts/firewall.hcl"
#   }
#
# with admin_cidr = "203.0.113.7/32" in the inventory's vars (per host), or
# vars = { admin_cidr = ... } to fix it for every host.

variable "admin_cidr" {
  type        = string
  default     = "any"
  description = "Where SSH is allowed from. Set it to your IP (203.0.113.7/32). \"any\" allows SSH from anywhere, rate-limited by ufw (limit) and fail2ban."
}

variable "ssh_port" {
  type        = number
  default     = 22
  description = "The SSH port the firewall keeps open."
}

variable "tailscale_only" {
  type        = bool
  default     = false
  description = "Tailscale-only mode (runbook 12.4): allow all traffic on tailscale0 and nothing else inbound. The lock-out guard refuses it unless clawrun itself connects over tailscale0."
}

variable "web_ports" {
  type        = list(number)
  default     = []
  description = "TCP ports opened to everyone for a reverse proxy (vps.hcl: 80 and 443 with enable_nginx)."
}

variable "install" {
  type        = bool
  default     = true
  description = "Install ufw here; vps.hcl installs every package in one transaction first and sets false."
}

locals {
  ssh_rules = var.tailscale_only ? [] : [{
    action    = var.admin_cidr == "any" ? "limit" : "allow"
    port      = var.ssh_port
    proto     = "tcp"
    from      = var.admin_cidr
    interface = null
    comment   = "ssh"
  }]
  tailscale_rules = var.tailscale_only ? [{
    action    = "allow"
    port      = null
    proto     = null
    from      = null
    interface = "tailscale0"
    comment   = "tailscale"
  }] : []
  web_rules = [for p in var.web_ports : {
    action    = "allow"
    port      = p
    proto     = "tcp"
    from      = null
    interface = null
    comment   = "nginx"
  }]
}

task "apt" "packages" {
  packages = ["ufw"]
  when     = var.install
  tags     = ["packages"]
}

task "ufw" "firewall" {
  state            = "enabled"
  default_incoming = "deny"
  default_outgoing = "allow"
  logging          = "low"
  exclusive        = true
  tags             = ["firewall"]

  dynamic "rule" {
    for_each = concat(local.ssh_rules, local.tailscale_rules, local.web_rules)
    content {
      action    = rule.value.action
      port      = rule.value.port
      proto     = rule.value.proto
      from      = rule.value.from
      interface = rule.value.interface
      comment   = rule.value.comment
    }
  }
}
