task "file" "unit" {
  path    = "/etc/systemd/system/clawtest-sleep.service"
  content = "[Unit]\nDescription=clawrun test\n\n[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n"
}

task "service" "sleep" {
  name          = "clawtest-sleep"
  state         = "started"
  enabled       = true
  daemon_reload = true
}

task "file" "stopped_unit" {
  path    = "/etc/systemd/system/clawtest-stopped.service"
  content = "[Service]\nExecStart=/bin/sleep infinity\n"
}

task "service" "stopped" {
  name  = "clawtest-stopped"
  state = "stopped"
}

task "service" "masked" {
  name   = "clawtest-masked"
  masked = true
}
