variable "state" {
  type    = string
  default = "present"
}

variable "purge" {
  type    = bool
  default = false
}

task "apt" "pkgs" {
  packages         = ["hello", "fail2ban", "python3-systemd"]
  state            = var.state
  purge            = var.purge
  update_cache     = true
  cache_valid_time = 3600
}
