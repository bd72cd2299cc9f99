# The OpenClaw gateway: ~/.openclaw and its config, a hardened system unit, started and checked to listen (runbook 7, 10, 17).
# Part of playbooks/vps.hcl; include it on its own. A variable that vars
# does not set takes --var, CLAWRUN_VAR_* or the host's inventory var of
# the same name, else its default; vars win over all of them, for every host:
#
#   include "gateway" {
#     source = "parts/gateway.hcl"
#     vars   = { admin_user = "moltbot" }
#   }

variable "admin_user" {
  type        = string
  default     = "moltbot"
  description = "Dedicated non-root user that owns ~/.openclaw and runs the gateway (runbook 1)."
}

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

variable "tailscale_serve" {
  type        = bool
  default     = false
  description = "Gateway config for Tailscale Serve (runbook 12.5): gateway.tailscale.mode = \"serve\" (tailnet only, never funnel), gateway.auth.allowTailscale = true."
}

variable "luks_mount" {
  type        = string
  default     = ""
  description = "Mount point of an encrypted volume holding ~/.openclaw (runbook 15): the unit waits for it. Creating the volume is not automated."
}

locals {
  home       = "/home/${var.admin_user}"
  config_dir = "${local.home}/.openclaw"
  exec_start = coalesce(var.gateway_exec_start, "${local.home}/.openclaw/bin/openclaw gateway --foreground")
}

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
    | (if $tailscale_serve then .gateway.tailscale.mode = "serve" | .gateway.auth.allowTailscale = true else . end)
  JQ
  args = {
    port            = var.gateway_port
    token           = var.gateway_token
    sandbox         = var.agent_sandbox
    tailscale_serve = var.tailscale_serve
  }
  notify = [handler.restart_gateway, handler.gateway_restarted]
  tags   = ["gateway"]
}

task "template" "gateway_unit" {
  source = "../templates/openclaw-gateway.service.tmpl"
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
  notify = [handler.restart_gateway, handler.gateway_restarted]
  tags   = ["gateway"]
}

task "service" "gateway" {
  name          = "openclaw-gateway"
  state         = "started"
  enabled       = true
  daemon_reload = true
  tags          = ["gateway"]
}

task "wait" "gateway_up" {
  port    = var.gateway_port
  timeout = var.gateway_wait_timeout
  when    = var.gateway_wait_timeout > 0
  tags    = ["gateway"]
}

handler "service" "restart_gateway" {
  name          = "openclaw-gateway"
  state         = "restarted"
  daemon_reload = true
}

handler "wait" "gateway_restarted" {
  port    = var.gateway_port
  timeout = var.gateway_wait_timeout
  when    = var.gateway_wait_timeout > 0
}
