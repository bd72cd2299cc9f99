# Issue 19 item 9: a file with content whose path is a directory or a FIFO
# must fail clearly, in plan and in apply, and change nothing.
variable "path" {
  type = string
}

task "file" "wrong-type" {
  path    = var.path
  content = "x\n"
}
