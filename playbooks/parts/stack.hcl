# The software the runbook installs by hand: Node.js 22 from NodeSource's
# signed repository, OpenClaw from npm at a pinned version, and Tailscale
# from its signed repository (runbook 2, 12.1).
# Part of playbooks/vps.hcl; include it on its own. A variable that vars
# does not set takes --var, CLAWRUN_VAR_* or the host's inventory var of
# the same name, else its default; vars win over all of them, for every host:
#
#   include "stack" {
#     source = "parts/stack.hcl"
#     vars   = { openclaw_version = "2026.6.11" }
#   }
#
# Repositories are deb822 files under /etc/apt/sources.list.d/ with
# Signed-By: a keyring under /etc/apt/keyrings/, whose key is checked
# against the pinned fingerprint before anything is written (apt_repository).

variable "install_node" {
  type        = bool
  default     = true
  description = "Install Node.js 22 (package nodejs) from NodeSource's repository (runbook 2: 22.12.0 or later)."
}

variable "node_repo_uri" {
  type        = string
  default     = "https://deb.nodesource.com/node_22.x"
  description = "URI of NodeSource's Node.js 22 repository (tests point it at a local signed stand-in)."
}

variable "node_repo_suite" {
  type        = string
  default     = "nodistro"
  description = "Suite of the Node.js repository: NodeSource serves one suite for every release."
}

variable "node_repo_key_url" {
  type        = string
  default     = "https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key"
  description = "Where the host fetches NodeSource's signing key; it is written only when its fingerprint is node_repo_fingerprint."
}

# NodeSource's repository signing key (the "NSolid" key behind
# nodesource-repo.gpg.key). Not invented here: public code pins this same
# fingerprint for that key URL, e.g. provisioning scripts that fetch
# https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key and compare it
# before trusting https://deb.nodesource.com/node_22.x, a Dockerfile's
# NODESOURCE_KEY_FPR build argument, and a Go tool's compiled-in map of
# verified apt key fingerprints ("nodesource").
variable "node_repo_fingerprint" {
  type        = string
  default     = "6F71F525282841EEDAF851B42F59B5F99B1BE0B4"
  description = "Full fingerprint the Node.js repository's key must have; a mismatch fails the task and writes nothing."
}

variable "install_openclaw" {
  type        = bool
  default     = true
  description = "Install OpenClaw with npm install -g openclaw@openclaw_version (needs Node.js: install_node)."
}

# A released version: openclaw 2026.6.11 is a dependency pinned in public
# package.json files of OpenClaw plugins (with @openclaw/* at the same
# version). Raise it as releases come; "latest" works but is never ok.
variable "openclaw_version" {
  type        = string
  default     = "2026.6.11"
  description = "OpenClaw version npm installs. \"latest\" reinstalls on every run (the task cannot know it is current) and says so in plan."
}

variable "openclaw_bin" {
  type        = string
  default     = "/usr/bin/openclaw"
  description = "Where npm install -g puts the openclaw binary (NodeSource's npm has prefix /usr); the gateway unit runs it."
}

variable "gateway_service" {
  type        = string
  default     = null
  description = "The gateway's unit (vps.hcl: openclaw-gateway): restarted after npm installs another OpenClaw, then waited for on gateway_port. null: no restart."
}

variable "gateway_port" {
  type        = number
  default     = 18789
  description = "Port the restarted gateway must answer on, on 127.0.0.1."
}

variable "gateway_wait_timeout" {
  type        = number
  default     = 60
  description = "Seconds to wait for the restarted gateway; 0 skips the check."
}

variable "enable_tailscale" {
  type        = bool
  default     = false
  description = "Install Tailscale from its repository (runbook 12.1) and log in with tailscale_auth_key."
}

variable "tailscale_repo_uri" {
  type        = string
  default     = null
  description = "URI of Tailscale's repository; default https://pkgs.tailscale.com/stable/<debian|ubuntu>."
}

variable "tailscale_repo_suite" {
  type        = string
  default     = null
  description = "Suite of Tailscale's repository: the release's codename, from the host's facts by default (Debian 11-13, Ubuntu 22.04 and 24.04; set it on other releases)."
}

variable "tailscale_repo_key_url" {
  type        = string
  default     = null
  description = "Where the host fetches Tailscale's signing key; default <uri>/<suite>.noarmor.gpg."
}

# Tailscale Inc.'s package repository signing key. Pinned for
# pkgs.tailscale.com in public code, e.g. cloud-init templates
# (apt sources keyid for https://pkgs.tailscale.com/stable/ubuntu) and
# install scripts that check <codename>.noarmor.gpg's fingerprint.
variable "tailscale_repo_fingerprint" {
  type        = string
  default     = "2596A99EAAB33821893C0A79458CA832957F5868"
  description = "Full fingerprint the Tailscale repository's key must have; a mismatch fails the task and writes nothing."
}

variable "tailscale_auth_key" {
  type        = string
  default     = null
  sensitive   = true
  description = "Auth key for tailscale up (admin console, Settings, Keys); used only while the node is not logged in, never printed. null: log in by hand (sudo tailscale up)."
}

locals {
  codenames = {
    "11"    = "bullseye"
    "12"    = "bookworm"
    "13"    = "trixie"
    "22.04" = "jammy"
    "24.04" = "noble"
  }
  ts_uri = coalesce(var.tailscale_repo_uri, "https://pkgs.tailscale.com/stable/${host.facts.os_id == "ubuntu" ? "ubuntu" : "debian"}")
  # An unknown release gets no suite (the task then asks for one) rather
  # than another release's build.
  ts_suite = var.tailscale_repo_suite != null ? var.tailscale_repo_suite : lookup(local.codenames, host.facts.os_version, "")
  ts_key   = coalesce(var.tailscale_repo_key_url, "${local.ts_uri}/${local.ts_suite}.noarmor.gpg")
  # npm's own listing, not the binary's output: what npm installed is
  # what it will report, whatever the program prints.
  openclaw_current = "[ \"$(npm ls -g --depth=0 --json 2>/dev/null | jq -r '.dependencies.openclaw.version // empty')\" = ${local.q_version} ]"
  # Shell single quotes: a value with $, ` or \ stays one literal word.
  q_version = "'${local.openclaw_version}'"
  q_spec    = "'openclaw@${local.openclaw_version}'"
  # openclaw_version must be an exact version as npm ls reports it
  # (2026.6.11, 2026.6.11-beta.1) or "latest": anything else fails here,
  # before any host is contacted (an empty version matched a host
  # without OpenClaw and skipped the install; "v2026.6.11" would never
  # match and reinstall every run).
  openclaw_version = regex("^(?:latest|[0-9]+[.][0-9]+[.][0-9]+(?:-[0-9A-Za-z.]+)?)$", var.openclaw_version)
  # An empty tailscale_auth_key fails here (null means: log in by hand).
  q_auth_key = "'${replace(var.tailscale_auth_key == null ? "-" : regex("^[^\\s]+$", var.tailscale_auth_key), "'", "'\\''")}'"
}

# --- Node.js 22 (runbook 2) ---------------------------------------------------

task "apt_repository" "nodesource" {
  name        = "nodesource"
  uris        = [var.node_repo_uri]
  suites      = [var.node_repo_suite]
  components  = ["main"]
  key_url     = var.node_repo_key_url
  fingerprint = var.node_repo_fingerprint
  when        = var.install_node
  tags        = ["packages", "node"]
}

task "apt" "nodejs" {
  packages = ["nodejs"]
  when     = var.install_node
  tags     = ["packages", "node"]
}

# --- OpenClaw (runbook 2) -----------------------------------------------------

task "command" "openclaw" {
  # With "latest" there is nothing to compare: it runs every time, and the
  # comment says so in plan ("would run: ... # ...").
  cmd    = "npm install -g --no-fund --no-audit ${local.q_spec}${var.openclaw_version == "latest" ? "  # openclaw_version = latest: reinstalled on every run, never ok (pin a version)" : ""}"
  unless = var.openclaw_version == "latest" ? null : local.openclaw_current
  when   = var.install_openclaw
  notify = [handler.restart_gateway, handler.gateway_restarted]
  tags   = ["openclaw"]
}

# A new OpenClaw runs only once the gateway restarts.
handler "service" "restart_gateway" {
  name  = coalesce(var.gateway_service, "openclaw-gateway")
  state = "restarted"
  when  = var.gateway_service != null
}

handler "wait" "gateway_restarted" {
  port    = var.gateway_port
  timeout = var.gateway_wait_timeout
  when    = var.gateway_service != null && var.gateway_wait_timeout > 0
}

# --- Tailscale (runbook 12.1) ---------------------------------------------------

task "apt_repository" "tailscale_repo" {
  name        = "tailscale"
  uris        = [local.ts_uri]
  suites      = [local.ts_suite]
  components  = ["main"]
  key_url     = local.ts_key
  fingerprint = var.tailscale_repo_fingerprint
  when        = var.enable_tailscale
  tags        = ["packages", "tailscale"]
}

task "apt" "tailscale" {
  packages = ["tailscale"]
  when     = var.enable_tailscale
  tags     = ["packages", "tailscale"]
}

task "service" "tailscaled" {
  name    = "tailscaled"
  state   = "started"
  enabled = true
  when    = var.enable_tailscale
  tags    = ["tailscale"]
}

# The key reaches tailscale through a pipe (--auth-key=file:/dev/stdin),
# not its command line and not a file: the script comes on stdin and printf
# is the shell's own, so the key is in no process list, and nothing is left
# on disk when the run is killed while tailscale waits for its login server.
# unless: logged in already, nothing runs.
task "command" "tailscale_up" {
  cmd = "printf '%s' ${local.q_auth_key} | tailscale up --auth-key=file:/dev/stdin"
  # A comparison, not jq -e: jq 1.6 exits 0 on empty input (no tailscale yet).
  unless = "[ \"$(tailscale status --json 2>/dev/null | jq -r .BackendState 2>/dev/null)\" = Running ]"
  when   = var.enable_tailscale && var.tailscale_auth_key != null
  tags   = ["tailscale"]
}
