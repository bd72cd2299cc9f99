# A wait that cannot succeed: nothing listens on port 1.
task "wait" "port1_open" {
  port    = 1
  timeout = 3
}

task "file" "after" {
  path    = "/var/tmp/clawtest-after-wait"
  content = "never written\n"
}
