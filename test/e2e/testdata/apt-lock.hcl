variable "timeout" {
  type = number
}

task "apt" "cowsay" {
  packages     = ["cowsay"]
  update_cache = true
  lock_timeout = var.timeout
}
