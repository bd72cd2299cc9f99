variable "token" {
  type      = string
  sensitive = true
}

variable "broken" {
  type    = bool
  default = false
}

task "jq-edit" "harden" {
  path       = var.broken ? "/etc/clawtest/broken.json" : "/etc/clawtest/openclaw.json"
  expression = <<-JQ
    .gateway.bind = "loopback"
    | .gateway.auth.mode = "token"
    | .gateway.auth.token = $token
    | .gateway.trustedProxies = ["127.0.0.1"]
    | .browser.evaluateEnabled = false
    | .plugins.enabled = false
    | .discovery.mdns.mode = "off"
    | .logging.redactSensitive = "tools"
  JQ
  args       = { token = var.token }
  mode       = "0600"
}
