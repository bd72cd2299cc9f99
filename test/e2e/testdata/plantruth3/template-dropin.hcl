# Issue 19 (second review) item 1: a template unit's drop-in
# (cw3@.service.d) written before a restarted handler of an instance.
task "file" "template-dir" {
  path  = "/etc/systemd/system/cw3@.service.d"
  state = "directory"
}

task "file" "template-dropin" {
  path    = "/etc/systemd/system/cw3@.service.d/x.conf"
  content = "[Service]\nEnvironment=BAZ=7\n"
  notify  = [handler.r]
}

handler "service" "r" {
  name  = "cw3@foo"
  state = "restarted"
}
