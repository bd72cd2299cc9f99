# include on real hosts (test/e2e/include_test.go): one part included
# twice with different vars; its handler is notified by two tasks and runs
# once per include.
variable "root" {
  type    = string
  default = "/srv/clawtest-include"
}

task "file" "root" {
  path  = var.root
  state = "directory"
}

include "blue" {
  source = "parts/site.hcl"
  vars   = { name = "blue", dir = "${var.root}/blue", port = 8001 }
}

include "green" {
  source = "parts/site.hcl"
  vars   = { name = "green", dir = "${var.root}/green" }
}
