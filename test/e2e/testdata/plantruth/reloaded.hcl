# Issue 19 item 11: reloaded on a stopped unit starts it; on a unit
# without ExecReload it fails, in plan as in apply.
variable "unit" {
  type = string
}

task "service" "reloaded" {
  name  = var.unit
  state = "reloaded"
}
