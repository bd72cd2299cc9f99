# Scripts that would break a shell shared by every round trip: each runs in
# its own subshell, so the tasks after them still run on the same one.
task "command" "exit" {
  cmd           = "echo boom >&2; exit 3"
  ignore_errors = true
}

task "command" "syntax_error" {
  cmd           = "echo \"unterminated"
  ignore_errors = true
}

task "command" "close_stdout" {
  cmd           = "cd / && set -e && exec 1>&- && false"
  ignore_errors = true
}

task "command" "no_newline" {
  cmd = "printf partial; printf partial-err >&2; trap 'echo trapped' EXIT"
}

task "file" "after" {
  path    = "/var/tmp/clawtest-shell"
  content = "still here\n"
}
