# Rotate the gateway's auth token on every host (runbook 18):
#
#   clawrun apply playbooks/rotate-token.hcl -i hosts.hcl --var token_file=/secure/path/tokens.env
#
# Each host gets its own new 64-hex-character token (32 random bytes), the
# gateway restarts once, and the new tokens are written on the controller to
# token_file (mode 0600) as "host=token" lines. No token is ever printed:
# not in plans, diffs, logs, JSON or errors. Safe to run from CI.

hosts  = ["all"]
become = true

variable "admin_user" {
  type        = string
  default     = "moltbot"
  description = "User whose ~/.openclaw/openclaw.json holds the token (default layout)."
}

variable "layout" {
  type        = string
  default     = "json"
  description = "Where the token lives: json (openclaw.json, gateway.auth.token) or env (an env file's OPENCLAW_GATEWAY_TOKEN= line, as the DigitalOcean 1-Click image has)."
}

variable "env_file" {
  type        = string
  default     = "/opt/clawdbot.env"
  description = "The env file, with layout = \"env\"."
}

variable "service" {
  type        = string
  default     = "openclaw-gateway"
  description = "The gateway's systemd unit, restarted once after the change (moltbot on the 1-Click image)."
}

variable "token_file" {
  type        = string
  default     = "openclaw-gateway-tokens.env"
  description = "File on the controller that receives the new tokens (mode 0600), relative to the working directory. Keep it out of version control: the default name is in this repository's .gitignore; in your own repository, add it to yours or pass a path outside it."
}

variable "port" {
  type        = number
  default     = 18789
  description = "Port the gateway listens on (127.0.0.1): after the restart, the run waits until it accepts connections."
}

variable "wait_timeout" {
  type        = number
  default     = 60
  description = "Seconds to wait for the restarted gateway to listen on port; 0 skips the check."
}

locals {
  # random_hex is new for every host and every run.
  token = sensitive(random_hex(64))
}

task "jq-edit" "token_json" {
  path       = "/home/${var.admin_user}/.openclaw/openclaw.json"
  expression = ".gateway.auth.mode = \"token\" | .gateway.auth.token = $token"
  args       = { token = local.token }
  mode       = "0600"
  owner      = var.admin_user
  group      = var.admin_user
  when       = var.layout == "json"
  notify     = [handler.restart_gateway, handler.gateway_up]
}

task "line" "token_env" {
  path   = var.env_file
  regexp = "^OPENCLAW_GATEWAY_TOKEN="
  line   = "OPENCLAW_GATEWAY_TOKEN=${local.token}"
  mode   = "0600"
  when   = var.layout == "env"
  notify = [handler.restart_gateway, handler.gateway_up]
}

# The operator's copy, on the controller: one line per host.
task "line" "record" {
  delegate = "local"
  path     = abspath(var.token_file)
  regexp   = "^${host.name}="
  line     = "${host.name}=${local.token}"
  create   = true
  mode     = "0600"
}

handler "service" "restart_gateway" {
  name  = var.service
  state = "restarted"
}

# After the restart: the gateway must listen again, else the host fails
# (the token is already written; the restart's error is in its journal).
handler "wait" "gateway_up" {
  port    = var.port
  timeout = var.wait_timeout
  when    = var.wait_timeout > 0
}
