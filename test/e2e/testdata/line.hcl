task "line" "root_login" {
  path   = "/etc/ssh/sshd_config"
  regexp = "^#?PermitRootLogin"
  line   = "PermitRootLogin no"
}

task "line" "first" {
  path   = "/etc/clawtest-lines.conf"
  line   = "first"
  create = true
}

task "line" "second" {
  path = "/etc/clawtest-lines.conf"
  line = "second"
}

task "line" "no_stale" {
  path   = "/etc/clawtest-lines.conf"
  regexp = "^stale"
  state  = "absent"
}
