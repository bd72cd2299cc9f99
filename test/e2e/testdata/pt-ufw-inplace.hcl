# Issue 19 item 1: ufw replaces a rule in place when only its action or
# comment differs. With lockout = true the task turns the allow for the
# SSH port into a deny (the lock-out guard must refuse); otherwise it
# changes other rules in place, which the plan must show as ~.
variable "lockout" {
  type    = bool
  default = false
}

variable "admin_net" {
  type = string
}

task "ufw" "inplace" {
  state            = "enabled"
  default_incoming = "deny"
  dynamic "rule" {
    for_each = var.lockout ? [] : [1]
    content {
      action  = "allow"
      port    = 22
      proto   = "tcp"
      from    = var.admin_net
      comment = "ssh admin"
    }
  }
  rule {
    action = "deny"
    port   = var.lockout ? 22 : 8080
    proto  = "tcp"
  }
  rule {
    action = "allow"
    port   = 2222
    proto  = "tcp"
  }
}
