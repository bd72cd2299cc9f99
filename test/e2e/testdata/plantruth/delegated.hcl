# Issue 19 item 8: a delegated task writes one controller file for every
# host; only the first host's plan may say it creates it.
variable "out" {
  type = string
}

serial = 1

task "file" "record" {
  path     = var.out
  content  = "recorded once\n"
  delegate = "local"
}
