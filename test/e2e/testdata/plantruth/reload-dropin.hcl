# Issue 19 item 7: unit changes apply reloads for, the plan must predict.
# An edited drop-in.
task "file" "edited-dropin" {
  path    = "/etc/systemd/system/ptdrop.service.d/override.conf"
  content = "[Service]\nEnvironment=PT=edited\n"
}

task "service" "ptdrop" {
  name  = "ptdrop"
  state = "started"
}
