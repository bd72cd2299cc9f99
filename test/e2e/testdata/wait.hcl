# wait on real hosts (test/e2e/wait_test.go): ssh's port is open, port 1 is
# closed, and the testbed's package repository answers over HTTP.
variable "repo_url" {
  type = string
}

task "wait" "ssh_open" {
  port    = 22
  timeout = 5
}

task "wait" "port1_closed" {
  port  = 1
  state = "stopped"
}

task "wait" "repo_listing" {
  http     = var.repo_url
  contains = "<pre>"
  timeout  = 5
}

task "wait" "repo_missing_file" {
  http    = "${var.repo_url}no-such-file"
  status  = 404
  timeout = 5
}
