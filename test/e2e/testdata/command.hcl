task "command" "creates" {
  cmd     = "echo created > /var/tmp/clawtest-created"
  creates = "/var/tmp/clawtest-created"
}

task "command" "unless" {
  cmd    = "echo once >> /var/tmp/clawtest-unless"
  unless = "grep -q once /var/tmp/clawtest-unless"
}
