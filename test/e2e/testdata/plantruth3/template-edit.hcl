# Issue 19 (second review) item 1: editing a template's existing drop-in,
# then state = "started" of a running instance.
task "file" "template-dropin" {
  path    = "/etc/systemd/system/cw3@.service.d/x.conf"
  content = "[Service]\nEnvironment=BAZ=8\n"
}

task "service" "inst" {
  name  = "cw3@foo"
  state = "started"
}
