# Issue 19 (second review) item 4: a drop-in that clears ExecReload=, then
# reloaded: the unit cannot reload after the daemon-reload.
task "file" "dir" {
  path  = "/etc/systemd/system/cw6.service.d"
  state = "directory"
}

task "file" "no-reload" {
  path    = "/etc/systemd/system/cw6.service.d/noreload.conf"
  content = "[Service]\nExecReload=\n"
}

task "service" "cw6" {
  name  = "cw6"
  state = "reloaded"
}
