variable "token" {
  type      = string
  sensitive = true
}

task "file" "motd" {
  path    = "/etc/clawsaved/motd"
  content = "planned motd\n"
}

task "file" "token" {
  path    = "/etc/clawsaved/token"
  content = "token=${var.token}\n"
  mode    = "0600"
}
