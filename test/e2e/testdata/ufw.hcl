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
    from    = "10.66.0.0/24"
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
