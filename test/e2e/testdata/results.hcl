# Task results on real hosts (test/e2e/results_test.go): a file holds what
# a command printed. The command runs once; afterwards unless skips it and
# its stdout comes from the probe.
task "command" "detect" {
  cmd    = "uname -r | tee /var/tmp/clawtest-detect"
  unless = "cat /var/tmp/clawtest-detect"
}

task "file" "kernel" {
  path    = "/var/tmp/clawtest-kernel"
  content = "kernel ${task.command.detect.stdout} (exit ${task.command.detect.exit_code})\n"
}
