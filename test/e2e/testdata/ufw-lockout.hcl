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
  # With deny_first, a deny for everyone comes before an allow for a
  # network that holds the controller (a rule differing only in action
  # would be the same rule to ufw, and is refused).
  rule {
    action = "allow"
    port   = var.deny_first ? 22 : 2223
    proto  = "tcp"
    from   = var.deny_first ? "10.0.0.0/8" : null
  }
}
