# nginx reverse proxy in front of the gateway: rate limits, security headers, WebSocket upgrade (runbook 13, 14).
# Part of playbooks/vps.hcl; include it on its own. A variable that vars
# does not set takes --var, CLAWRUN_VAR_* or the host's inventory var of
# the same name, else its default; vars win over all of them, for every host:
#
#   include "nginx" {
#     source = "parts/nginx.hcl"
#     vars   = { domain = "gw.example.com" }
#   }

variable "gateway_port" {
  type        = number
  default     = 18789
  description = "Port the gateway listens on, on 127.0.0.1 only: never opened in the firewall."
}

variable "domain" {
  type        = string
  default     = "your-domain.com"
  description = "server_name of the reverse proxy."
}

variable "tls" {
  type        = bool
  default     = true
  description = "Serve HTTPS with certbot's certificate paths (runbook 14). Obtain the certificate first; false serves plain HTTP on port 80."
}

variable "allow_ips" {
  type        = list(string)
  default     = []
  description = "When not empty, only these addresses may use the proxy."
}

variable "install" {
  type        = bool
  default     = true
  description = "Install nginx here; vps.hcl installs every package in one transaction first and sets false."
}

task "apt" "packages" {
  packages = ["nginx"]
  when     = var.install
  tags     = ["packages"]
}

task "template" "nginx_site" {
  source = "../templates/nginx-openclaw.conf.tmpl"
  path   = "/etc/nginx/sites-available/openclaw"
  mode   = "0644"
  vars = {
    domain       = var.domain
    tls          = var.tls
    gateway_port = var.gateway_port
    rate_general = "10r/s"
    rate_auth    = "3r/s"
    allow_ips    = var.allow_ips
  }
  # The site alone, inside a minimal http block: catches syntax errors
  # before the live configuration is touched.
  validate = "printf 'events {}\\nhttp {\\ninclude /etc/nginx/mime.types;\\ninclude '%s';\\n}\\n' > /run/clawrun-nginx-test.conf && nginx -t -q -c /run/clawrun-nginx-test.conf; rc=$?; rm -f /run/clawrun-nginx-test.conf; exit $rc"
  notify   = [handler.reload_nginx]
  tags     = ["nginx"]
}

task "file" "nginx_enabled" {
  path   = "/etc/nginx/sites-enabled/openclaw"
  state  = "link"
  target = "/etc/nginx/sites-available/openclaw"
  notify = [handler.reload_nginx]
  tags   = ["nginx"]
}

task "file" "nginx_default_gone" {
  path   = "/etc/nginx/sites-enabled/default"
  state  = "absent"
  notify = [handler.reload_nginx]
  tags   = ["nginx"]
}

task "service" "nginx" {
  name    = "nginx"
  state   = "started"
  enabled = true
  tags    = ["nginx"]
}

handler "service" "reload_nginx" {
  name  = "nginx"
  state = "reloaded"
}
