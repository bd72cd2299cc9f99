task "command" "first" {
  cmd     = "sleep 3 && touch /var/tmp/clawint/first"
  creates = "/var/tmp/clawint/first"
}

task "file" "second" {
  path    = "/var/tmp/clawint/second"
  content = "never written after an interrupt\n"
}
