# The isolated-VPS hardening runbook (the OpenClaw VPS runbook) as one playbook:
#
#   clawrun plan  playbooks/vps.hcl -i hosts.hcl --var admin_cidr=203.0.113.7/32
#   clawrun apply playbooks/vps.hcl -i hosts.hcl --var admin_cidr=203.0.113.7/32
#
# playbooks/README.md maps every item of the runbook's security checklist to
# the task that does it, or says why it cannot be automated. The tasks live
# in parts/ (ssh, firewall, fail2ban, gateway, nginx, ...), each usable on
# its own with an include block; this file is the whole runbook, in order.

hosts  = ["all"]
become = true

# --- who and where ----------------------------------------------------------

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

# --- system -----------------------------------------------------------------

variable "swap_size_mb" {
  type        = number
  default     = 2048
  description = "Size of /swapfile in MiB (runbook 1, swap); 0 skips swap."
}

variable "unattended_upgrades" {
  type        = bool
  default     = true
  description = "Install and enable automatic security updates (runbook 8)."
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

# --- the gateway ------------------------------------------------------------

variable "gateway_port" {
  type        = number
  default     = 18789
  description = "Port the gateway listens on, on 127.0.0.1 only: never opened in the firewall."
}

variable "gateway_exec_start" {
  type        = string
  default     = null
  description = "ExecStart of the gateway unit; default openclaw_bin gateway --port gateway_port with install_openclaw (it binds loopback from openclaw.json), else ~admin_user/.openclaw/bin/openclaw gateway --foreground."
}

variable "gateway_memory_max" {
  type        = string
  default     = "1G"
  description = "MemoryMax= of the gateway unit (runbook 10)."
}

variable "gateway_cpu_quota" {
  type        = string
  default     = "80%"
  description = "CPUQuota= of the gateway unit (runbook 10)."
}

variable "gateway_wait_timeout" {
  type        = number
  default     = 60
  description = "Seconds to wait, after the gateway (re)starts, for it to accept connections on 127.0.0.1:gateway_port; 0 skips the check."
}

variable "gateway_token" {
  type        = string
  default     = null
  sensitive   = true
  description = "Gateway auth token (>= 32 characters) written to openclaw.json; null leaves the current one. Rotate with playbooks/rotate-token.hcl."
}

variable "agent_sandbox" {
  type        = bool
  default     = true
  description = "Run agent sessions in the Docker sandbox, read-only workspace (runbook 17); needs Docker."
}

variable "luks_mount" {
  type        = string
  default     = ""
  description = "Mount point of an encrypted volume holding ~/.openclaw (runbook 15): the unit waits for it. Creating the volume is not automated."
}

# --- the software: Node.js, OpenClaw, Tailscale (runbook 2, 5, 12.1) ----------

variable "install_node" {
  type        = bool
  default     = true
  description = "Install Node.js 22 from NodeSource's signed repository (runbook 2)."
}

variable "node_repo_uri" {
  type        = string
  default     = "https://deb.nodesource.com/node_22.x"
  description = "URI of NodeSource's Node.js 22 repository."
}

variable "node_repo_suite" {
  type        = string
  default     = "nodistro"
  description = "Suite of the Node.js repository."
}

variable "node_repo_key_url" {
  type        = string
  default     = "https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key"
  description = "Where the host fetches NodeSource's signing key (checked against node_repo_fingerprint before it is written)."
}

variable "node_repo_fingerprint" {
  type        = string
  default     = "6F71F525282841EEDAF851B42F59B5F99B1BE0B4"
  description = "Fingerprint of NodeSource's signing key (see parts/stack.hcl for where it was checked)."
}

variable "install_openclaw" {
  type        = bool
  default     = true
  description = "Install OpenClaw with npm install -g openclaw@openclaw_version; the gateway unit runs openclaw_bin."
}

variable "openclaw_version" {
  type        = string
  default     = "2026.6.11"
  description = "OpenClaw version to install; \"latest\" reinstalls on every run."
}

variable "openclaw_bin" {
  type        = string
  default     = "/usr/bin/openclaw"
  description = "Where npm install -g puts openclaw (NodeSource's npm: prefix /usr)."
}

variable "openclaw_audit" {
  type        = bool
  default     = true
  description = "Run openclaw security audit after apply (runbook 5) when the binary exists; findings fail the host."
}

variable "enable_tailscale" {
  type        = bool
  default     = false
  description = "Install Tailscale from its signed repository and log in with tailscale_auth_key (runbook 12.1)."
}

variable "tailscale_repo_uri" {
  type        = string
  default     = null
  description = "URI of Tailscale's repository; default https://pkgs.tailscale.com/stable/<debian|ubuntu>."
}

variable "tailscale_repo_suite" {
  type        = string
  default     = null
  description = "Suite of Tailscale's repository; default the host's release codename."
}

variable "tailscale_repo_key_url" {
  type        = string
  default     = null
  description = "Where the host fetches Tailscale's signing key; default <uri>/<suite>.noarmor.gpg."
}

variable "tailscale_repo_fingerprint" {
  type        = string
  default     = "2596A99EAAB33821893C0A79458CA832957F5868"
  description = "Fingerprint of Tailscale's signing key (see parts/stack.hcl)."
}

variable "tailscale_auth_key" {
  type        = string
  default     = null
  sensitive   = true
  description = "Auth key for tailscale up, used only while the node is not logged in; never printed."
}

variable "tailscale_serve" {
  type        = bool
  default     = null
  description = "Gateway config for Tailscale Serve (runbook 12.5): gateway.tailscale.mode = \"serve\", gateway.auth.allowTailscale = true. Default: enable_tailscale."
}

# --- backups ----------------------------------------------------------------

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

# --- optional parts -----------------------------------------------------------

variable "enable_nginx" {
  type        = bool
  default     = false
  description = "nginx reverse proxy with rate limits, security headers and WebSocket upgrade (runbook 13). Not needed with Tailscale."
}

variable "nginx_domain" {
  type        = string
  default     = "your-domain.com"
  description = "server_name of the reverse proxy."
}

variable "nginx_tls" {
  type        = bool
  default     = true
  description = "Serve HTTPS with certbot's certificate paths (runbook 14). Obtain the certificate first; false serves plain HTTP on port 80."
}

variable "nginx_allow_ips" {
  type        = list(string)
  default     = []
  description = "When not empty, only these addresses may use the proxy."
}

variable "enable_docker_hardening" {
  type        = bool
  default     = false
  description = "Docker deployment hardening (runbook 16): compose override and loopback bind."
}

variable "docker_dir" {
  type        = string
  default     = "/opt/openclaw"
  description = "Folder of the gateway's docker-compose.yml."
}

variable "enable_browser" {
  type        = bool
  default     = false
  description = "Headless Chromium for the browser agent (runbook 10b), from the distribution's packages."
}

variable "chromium_package" {
  type        = string
  default     = "chromium"
  description = "Chromium's package name: chromium on Debian, chromium-browser on Ubuntu."
}

locals {
  # Every package of the play in one apt transaction: the parts' own apt
  # tasks are switched off (install = false).
  base_packages = concat(
    ["ufw", "fail2ban", "python3-systemd", "chrony", "jq", "cron", "sudo"],
    var.unattended_upgrades ? ["unattended-upgrades"] : [],
    var.enable_nginx ? ["nginx"] : [],
    var.enable_browser ? [var.chromium_package] : [],
  )
}

# --- 1) baseline ------------------------------------------------------------

include "base" {
  source = "parts/base.hcl"
  vars   = { packages = local.base_packages }
}

include "user" {
  source = "parts/user.hcl"
  vars = {
    admin_user            = var.admin_user
    admin_user_sudo       = var.admin_user_sudo
    admin_sudo_nopasswd   = var.admin_sudo_nopasswd
    admin_authorized_keys = var.admin_authorized_keys
  }
}

include "ssh" {
  source = "parts/ssh.hcl"
}

include "firewall" {
  source = "parts/firewall.hcl"
  vars = {
    admin_cidr     = var.admin_cidr
    ssh_port       = var.ssh_port
    tailscale_only = var.tailscale_only
    web_ports      = var.enable_nginx ? (var.nginx_tls ? [80, 443] : [80]) : []
    install        = false
  }
}

include "swap" {
  source = "parts/swap.hcl"
  vars   = { swap_size_mb = var.swap_size_mb }
}

# --- 8) automatic security updates ---------------------------------------------

include "updates" {
  source = "parts/updates.hcl"
  vars   = { install = false }
  when   = var.unattended_upgrades
}

# --- 9) fail2ban ----------------------------------------------------------------

include "fail2ban" {
  source = "parts/fail2ban.hcl"
  vars = {
    ssh_port          = var.ssh_port
    fail2ban_maxretry = var.fail2ban_maxretry
    fail2ban_bantime  = var.fail2ban_bantime
    install           = false
  }
}

# --- 10a) backups ---------------------------------------------------------------

include "backup" {
  source = "parts/backup.hcl"
  vars = {
    admin_user      = var.admin_user
    backup_schedule = var.backup_schedule
    backup_privacy  = var.backup_privacy
  }
}

# --- 2, 12.1) Node.js, OpenClaw, Tailscale -------------------------------------

include "stack" {
  source = "parts/stack.hcl"
  vars = {
    install_node               = var.install_node
    node_repo_uri              = var.node_repo_uri
    node_repo_suite            = var.node_repo_suite
    node_repo_key_url          = var.node_repo_key_url
    node_repo_fingerprint      = var.node_repo_fingerprint
    install_openclaw           = var.install_openclaw
    openclaw_version           = var.openclaw_version
    openclaw_bin               = var.openclaw_bin
    gateway_service            = "openclaw-gateway"
    gateway_port               = var.gateway_port
    gateway_wait_timeout       = var.gateway_wait_timeout
    enable_tailscale           = var.enable_tailscale
    tailscale_repo_uri         = var.tailscale_repo_uri
    tailscale_repo_suite       = var.tailscale_repo_suite
    tailscale_repo_key_url     = var.tailscale_repo_key_url
    tailscale_repo_fingerprint = var.tailscale_repo_fingerprint
    tailscale_auth_key         = var.tailscale_auth_key
  }
}

# --- 7, 10, 17) the gateway: ~/.openclaw, its config, its unit ----------------

include "gateway" {
  source = "parts/gateway.hcl"
  vars = {
    admin_user           = var.admin_user
    gateway_port         = var.gateway_port
    gateway_exec_start   = var.gateway_exec_start != null ? var.gateway_exec_start : (var.install_openclaw ? "${var.openclaw_bin} gateway --port ${var.gateway_port}" : null)
    tailscale_serve      = var.tailscale_serve != null ? var.tailscale_serve : var.enable_tailscale
    gateway_memory_max   = var.gateway_memory_max
    gateway_cpu_quota    = var.gateway_cpu_quota
    gateway_wait_timeout = var.gateway_wait_timeout
    gateway_token        = var.gateway_token
    agent_sandbox        = var.agent_sandbox
    luks_mount           = var.luks_mount
  }
}

# --- 5) openclaw security audit, after the gateway is configured ---------------

include "audit" {
  source = "parts/audit.hcl"
  vars = {
    admin_user     = var.admin_user
    openclaw_bin   = var.openclaw_bin
    openclaw_audit = var.openclaw_audit
  }
}

# --- 13) optional nginx reverse proxy -----------------------------------------

include "nginx" {
  source = "parts/nginx.hcl"
  vars = {
    gateway_port = var.gateway_port
    domain       = var.nginx_domain
    tls          = var.nginx_tls
    allow_ips    = var.nginx_allow_ips
    install      = false
  }
  when = var.enable_nginx
}

# --- 16) optional Docker deployment hardening ---------------------------------

include "docker" {
  source = "parts/docker.hcl"
  vars   = { docker_dir = var.docker_dir }
  when   = var.enable_docker_hardening
}
