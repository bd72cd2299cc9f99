task "file" "dir" {
  path  = "/var/tmp/clawhandler"
  state = "directory"
}

task "file" "a" {
  path    = "/var/tmp/clawhandler/a"
  content = "a\n"
  notify  = [handler.record]
}

task "file" "b" {
  path    = "/var/tmp/clawhandler/b"
  content = "b\n"
  notify  = [handler.record]
}

task "command" "last" {
  cmd     = "touch /var/tmp/clawhandler/last"
  creates = "/var/tmp/clawhandler/last"
}

handler "command" "record" {
  cmd = "cd /var/tmp/clawhandler && echo ran after $(ls | grep -v log | tr '\\n' ' ') | sed 's/ $//' >> log"
}
