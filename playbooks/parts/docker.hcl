# Docker deployment hardening: loopback bind and a compose override (runbook 16).
# Part of playbooks/vps.hcl; include it on its own. A variable that vars
# does not set takes --var, CLAWRUN_VAR_* or the host's inventory var of
# the same name, else its default; vars win over all of them, for every host:
#
#   include "docker" {
#     source = "parts/docker.hcl"
#   }

variable "docker_dir" {
  type        = string
  default     = "/opt/openclaw"
  description = "Folder of the gateway's docker-compose.yml."
}

task "line" "docker_bind" {
  path   = "${var.docker_dir}/.env"
  regexp = "^OPENCLAW_GATEWAY_BIND="
  line   = "OPENCLAW_GATEWAY_BIND=loopback"
  create = true
  mode   = "0600"
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
  tags    = ["docker"]
}
