variable "state" {
  type    = string
  default = "present"
}

variable "backup_schedule" {
  type    = string
  default = "0 2 * * 0"
}

task "cron" "backup" {
  name     = "openclaw backup"
  schedule = var.backup_schedule
  command  = "tar czf /var/backups/openclaw-$(date +\\%Y\\%m\\%d).tar.gz -C /home/admin .openclaw/"
  state    = var.state
}

task "cron" "rotate" {
  name     = "rotate token"
  schedule = "0 3 1 * *"
  command  = "/usr/local/bin/rotate-openclaw-token.sh"
  user     = "admin"
  state    = var.state
}

task "cron" "cleanup" {
  name      = "cleanup"
  schedule  = "@daily"
  command   = "find /tmp -mtime +7 -delete"
  cron_file = "clawtest"
  env       = { MAILTO = "", PATH = "/usr/bin:/bin" }
  state     = var.state
}
