variable "port" {
  type    = number
  default = 18789
}

task "file" "dir" {
  path  = "/etc/clawtest"
  state = "directory"
}

task "template" "gateway" {
  source = "files/gateway.conf.tmpl"
  path   = "/etc/clawtest/gateway.conf"
  mode   = "0644"
  vars = {
    allow = ["127.0.0.1", "::1"]
  }
}
