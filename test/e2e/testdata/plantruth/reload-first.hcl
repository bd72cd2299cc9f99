# Issue 19 item 7: unit changes apply reloads for, the plan must predict.
# A unit's first drop-in: systemd 252 says NeedDaemonReload=no then, and
# a restarted handler ran the old configuration.
task "file" "first-dropin-dir" {
  path  = "/etc/systemd/system/ptfirst.service.d"
  state = "directory"
}

task "file" "first-dropin" {
  path    = "/etc/systemd/system/ptfirst.service.d/10-first.conf"
  content = "[Service]\nEnvironment=PT=first\n"
  notify  = [handler.restart-first]
}

task "service" "ptfirst" {
  name  = "ptfirst"
  state = "started"
}

handler "service" "restart-first" {
  name  = "ptfirst"
  state = "restarted"
}
