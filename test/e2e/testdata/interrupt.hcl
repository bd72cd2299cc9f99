# The first task runs until the test lets it finish (after its interrupt):
# started marks that it runs, go releases it.
task "command" "first" {
  cmd     = "touch /var/tmp/clawint-started; while [ ! -e /var/tmp/clawint-go ]; do sleep 0.1; done; touch /var/tmp/clawint/first"
  creates = "/var/tmp/clawint/first"
}

task "file" "second" {
  path    = "/var/tmp/clawint/second"
  content = "never written after an interrupt\n"
}
