variable "admin_net" {
  type        = string
  default     = "10.66.0.0/24"
  description = "The testbed's network (the controller's address is in it)."
}

task "ufw" "firewall" {
  state            = "enabled"
  default_incoming = "deny"
  default_outgoing = "allow"
  default_routed   = "deny"
  logging          = "low"
  exclusive        = true

  rule {
    action  = "allow"
    port    = 22
    proto   = "tcp"
    from    = var.admin_net
    comment = "ssh admin"
  }

  rule {
    action = "limit"
    port   = 2222
    proto  = "tcp"
  }

  rule {
    action    = "allow"
    port      = 18789
    proto     = "tcp"
    interface = "tailscale0"
  }

  rule {
    action    = "deny"
    direction = "out"
    to        = "192.0.2.1"
  }
}
