variable "deny_first" {
  type    = bool
  default = false
}

# Only port 2222 is allowed while clawrun is connected on 22: refused.
task "ufw" "lockout" {
  state            = "enabled"
  default_incoming = "deny"
  exclusive        = true
  rule {
    action = var.deny_first ? "deny" : "allow"
    port   = var.deny_first ? 22 : 2222
    proto  = "tcp"
  }
  rule {
    action = "allow"
    port   = var.deny_first ? 22 : 2223
    proto  = "tcp"
  }
}
