task "file" "dir" {
  path   = "/var/tmp/clawfail"
  state  = "directory"
  notify = [handler.record]
}

task "command" "fail_on_h2" {
  cmd  = "exit 3"
  when = host.name == "h2"
}

handler "command" "record" {
  cmd = "echo handler >> /var/tmp/clawfail/log"
}
