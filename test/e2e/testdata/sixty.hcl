# 60 tasks: 40 files, 10 lines, 10 cron entries.
task "file" "dir" {
  path  = "/var/tmp/clawsixty"
  state = "directory"
}

task "file" "f" {
  for_each = toset([for i in range(39) : format("%02d", i)])
  path     = "/var/tmp/clawsixty/${each.key}.conf"
  content  = "n = ${each.key}\n"
}

task "line" "l" {
  for_each = toset([for i in range(10) : format("%02d", i)])
  path     = "/var/tmp/clawsixty/lines.conf"
  line     = "line ${each.key}"
  create   = true
}

task "cron" "c" {
  for_each  = toset([for i in range(10) : format("%02d", i)])
  name      = "sixty ${each.key}"
  schedule  = "@daily"
  command   = "true ${each.key}"
  cron_file = "clawsixty"
}
