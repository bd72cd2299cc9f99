# Issue 19 item 8: two tasks managing one cron entry would replace each
# other on every run: the second fails, in plan as in apply.
task "cron" "one" {
  name     = "pt8 same"
  schedule = "0 3 * * *"
  command  = "true one"
}

task "cron" "two" {
  name     = "pt8 same"
  schedule = "0 4 * * *"
  command  = "true two"
}
