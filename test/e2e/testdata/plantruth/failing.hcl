# Issue 19 item 11: a Type=simple unit whose ExecStart fails is not
# "started".
task "service" "failing" {
  name  = "ptfail"
  state = "started"
}
