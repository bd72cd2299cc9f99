# Issue 19 item 5: env values cron would misread (empty, leading
# spaces) are quoted; the job runs every minute and writes what it saw.
variable "user" {
  type    = string
  default = "root"
}

task "cron" "env" {
  name      = "pt5 env"
  schedule  = "* * * * *"
  command   = "printf '[\\%s][\\%s]\\n' \"$MAILTO\" \"$GREETING\" > /var/tmp/pt5.out"
  cron_file = "pt5"
  user      = var.user
  env       = { MAILTO = "", GREETING = " hello world" }
}
