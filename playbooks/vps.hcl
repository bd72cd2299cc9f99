# The isolated-VPS hardening runbook (shared/runbook.md) as one playbook:
#
#   clawrun plan  playbooks/vps.hcl -i hosts.hcl --var admin_cidr=203.0.113.7/32
#   clawrun apply playbooks/vps.hcl -i hosts.hcl --var admin_cidr=203.0.113.7/32
#
# playbooks/README.md maps every item of the runbook's security checklist to
# the task below that does it, or says why it cannot be automated.

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
  description = "ExecStart of the gateway unit; default ~admin_user/.openclaw/bin/openclaw gateway --foreground."
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
  home       = "/home/${var.admin_user}"
  config_dir = "${local.home}/.openclaw"
  exec_start = coalesce(var.gateway_exec_start, "${local.home}/.openclaw/bin/openclaw gateway --foreground")

  base_packages = concat(
    ["ufw", "fail2ban", "python3-systemd", "chrony", "jq", "cron", "sudo"],
    var.unattended_upgrades ? ["unattended-upgrades"] : [],
    var.enable_nginx ? ["nginx"] : [],
    var.enable_browser ? [var.chromium_package] : [],
  )

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
  web_rules = var.enable_nginx ? [for p in(var.nginx_tls ? [80, 443] : [80]) : {
    action    = "allow"
    port      = p
    proto     = "tcp"
    from      = null
    interface = null
    comment   = "nginx"
  }] : []

  backup_excludes = var.backup_privacy ? "--exclude='.openclaw/sessions' --exclude='.openclaw/workspace' " : ""
}

# --- 1) baseline ------------------------------------------------------------

task "apt" "base" {
  packages         = local.base_packages
  update_cache     = true
  cache_valid_time = 3600
  tags             = ["packages"]
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

task "file" "sshd_hardening" {
  path     = "/etc/ssh/sshd_config.d/10-clawrun-hardening.conf"
  content  = <<-EOT
    # Managed by clawrun (playbooks/vps.hcl): runbook 1, SSH hardening.
    # First value wins in sshd: this file sorts before cloud images' 50-*.conf.
    PermitRootLogin no
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    PubkeyAuthentication yes
    X11Forwarding no
  EOT
  mode     = "0644"
  validate = "/usr/sbin/sshd -t -f %s"
  notify   = [handler.reload_ssh]
  tags     = ["ssh"]
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

task "command" "swapfile" {
  cmd     = "fallocate -l ${var.swap_size_mb}M /swapfile && chmod 600 /swapfile && mkswap /swapfile >/dev/null"
  creates = "/swapfile"
  when    = var.swap_size_mb > 0
  tags    = ["swap"]
}

task "line" "swap_fstab" {
  path = "/etc/fstab"
  line = "/swapfile none swap sw 0 0"
  when = var.swap_size_mb > 0
  tags = ["swap"]
}

task "command" "swapon" {
  cmd = "swapon /swapfile"
  # Containers may not enable swap: the kernel refuses, so skip there.
  unless = "swapon --show=NAME --noheadings | grep -qx /swapfile || systemd-detect-virt --container -q"
  when   = var.swap_size_mb > 0
  tags   = ["swap"]
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

# --- 8) automatic security updates ---------------------------------------------

task "file" "auto_upgrades" {
  path    = "/etc/apt/apt.conf.d/20auto-upgrades"
  content = "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n"
  mode    = "0644"
  when    = var.unattended_upgrades
  tags    = ["updates"]
}

task "service" "unattended_upgrades" {
  name    = "unattended-upgrades"
  state   = "started"
  enabled = true
  when    = var.unattended_upgrades
  tags    = ["updates"]
}

# --- 9) fail2ban ----------------------------------------------------------------

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

# --- 7, 17) ~/.openclaw and its config ---------------------------------------

task "file" "openclaw_dir" {
  path  = local.config_dir
  state = "directory"
  mode  = "0700"
  owner = var.admin_user
  group = var.admin_user
  tags  = ["gateway"]
}

task "jq-edit" "openclaw_config" {
  path       = "${local.config_dir}/openclaw.json"
  create     = true
  mode       = "0600"
  owner      = var.admin_user
  group      = var.admin_user
  expression = <<-JQ
    .gateway.bind = "loopback"
    | .gateway.port = $port
    | .gateway.auth.mode = "token"
    | (if $token == null then . else .gateway.auth.token = $token end)
    | .gateway.trustedProxies = ["127.0.0.1"]
    | .gateway.controlUi.dangerouslyDisableDeviceAuth = false
    | .browser.evaluateEnabled = false
    | .plugins.enabled = false
    | .discovery.mdns.mode = "off"
    | (if $sandbox then .agents.defaults.sandbox.mode = "all" | .agents.defaults.sandbox.workspaceAccess = "ro" else . end)
    | .logging.redactSensitive = "tools"
  JQ
  args = {
    port    = var.gateway_port
    token   = var.gateway_token
    sandbox = var.agent_sandbox
  }
  notify = [handler.restart_gateway]
  tags   = ["gateway"]
}

# --- 10a) backups ---------------------------------------------------------------

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

# --- 10) the gateway's unit ----------------------------------------------------

task "template" "gateway_unit" {
  source = "templates/openclaw-gateway.service.tmpl"
  path   = "/etc/systemd/system/openclaw-gateway.service"
  mode   = "0644"
  vars = {
    user       = var.admin_user
    home       = local.home
    exec_start = local.exec_start
    memory_max = var.gateway_memory_max
    cpu_quota  = var.gateway_cpu_quota
    env_file   = "${local.config_dir}/gateway.env"
    luks_mount = var.luks_mount
  }
  notify = [handler.restart_gateway]
  tags   = ["gateway"]
}

task "service" "gateway" {
  name          = "openclaw-gateway"
  state         = "started"
  enabled       = true
  daemon_reload = true
  tags          = ["gateway"]
}

# --- 13) optional nginx reverse proxy -----------------------------------------

task "template" "nginx_site" {
  source = "templates/nginx-openclaw.conf.tmpl"
  path   = "/etc/nginx/sites-available/openclaw"
  mode   = "0644"
  vars = {
    domain       = var.nginx_domain
    tls          = var.nginx_tls
    gateway_port = var.gateway_port
    rate_general = "10r/s"
    rate_auth    = "3r/s"
    allow_ips    = var.nginx_allow_ips
  }
  # The site alone, inside a minimal http block: catches syntax errors
  # before the live configuration is touched.
  validate = "printf 'events {}\\nhttp {\\ninclude /etc/nginx/mime.types;\\ninclude '%s';\\n}\\n' > /run/clawrun-nginx-test.conf && nginx -t -q -c /run/clawrun-nginx-test.conf; rc=$?; rm -f /run/clawrun-nginx-test.conf; exit $rc"
  when     = var.enable_nginx
  notify   = [handler.reload_nginx]
  tags     = ["nginx"]
}

task "file" "nginx_enabled" {
  path   = "/etc/nginx/sites-enabled/openclaw"
  state  = "link"
  target = "/etc/nginx/sites-available/openclaw"
  when   = var.enable_nginx
  notify = [handler.reload_nginx]
  tags   = ["nginx"]
}

task "file" "nginx_default_gone" {
  path   = "/etc/nginx/sites-enabled/default"
  state  = "absent"
  when   = var.enable_nginx
  notify = [handler.reload_nginx]
  tags   = ["nginx"]
}

task "service" "nginx" {
  name    = "nginx"
  state   = "started"
  enabled = true
  when    = var.enable_nginx
  tags    = ["nginx"]
}

# --- 16) optional Docker deployment hardening ---------------------------------

task "line" "docker_bind" {
  path   = "${var.docker_dir}/.env"
  regexp = "^OPENCLAW_GATEWAY_BIND="
  line   = "OPENCLAW_GATEWAY_BIND=loopback"
  create = true
  mode   = "0600"
  when   = var.enable_docker_hardening
  tags   = ["docker"]
}

task "file" "docker_override" {
  path    = "${var.docker_dir}/docker-compose.override.yml"
  content = <<-EOT
    # Managed by clawrun (playbooks/vps.hcl): runbook 16.
    services:
      openclaw-gateway:
        security_opt:
          - no-new-privileges:true
        cap_drop:
          - ALL
        cap_add:
          - CHOWN
          - SETUID
          - SETGID
        read_only: true
        tmpfs:
          - /tmp
          - /home/node/.openclaw/workspace
        pids_limit: 256
        mem_limit: 1g
  EOT
  mode    = "0644"
  when    = var.enable_docker_hardening
  tags    = ["docker"]
}

# --- handlers: once, at the end, only when something they watch changed -----

handler "service" "reload_ssh" {
  name  = "ssh"
  state = "reloaded"
}

handler "service" "restart_fail2ban" {
  name  = "fail2ban"
  state = "restarted"
}

handler "service" "restart_gateway" {
  name          = "openclaw-gateway"
  state         = "restarted"
  daemon_reload = true
}

handler "service" "reload_nginx" {
  name  = "nginx"
  state = "reloaded"
}
