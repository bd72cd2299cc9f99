# Issue 19 item 2: a host whose SSH is allowed by the OpenSSH application
# profile (ufw allow OpenSSH). Not exclusive: the guard must see that the
# profile rule admits SSH. Exclusive: the profile rule is deleted by its
# profile name.
variable "exclusive" {
  type    = bool
  default = false
}

variable "admin_net" {
  type = string
}

task "ufw" "app" {
  state            = "enabled"
  default_incoming = "deny"
  exclusive        = var.exclusive
  dynamic "rule" {
    for_each = var.exclusive ? [1] : []
    content {
      action = "allow"
      port   = 22
      proto  = "tcp"
      from   = var.admin_net
    }
  }
  rule {
    action = "allow"
    port   = 443
    proto  = "tcp"
  }
}
