# Issue 19 item 7: unit changes apply reloads for, the plan must predict.
# The real file of a linked unit.
task "file" "linked-unit" {
  path    = "/opt/pt/ptlinked.service"
  content = "[Service]\nExecStart=/bin/sleep infinity\nEnvironment=PT=linked\n[Install]\nWantedBy=multi-user.target\n"
}

task "service" "ptlinked" {
  name  = "ptlinked"
  state = "started"
}
