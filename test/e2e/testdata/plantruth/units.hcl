# Issue 19 item 11: service output that said other than apply did.
task "file" "noinstall-unit" {
  path    = "/etc/systemd/system/ptnoinst.service"
  content = "[Service]\nExecStart=/bin/sleep infinity\n"
}

task "service" "noinstall" {
  name    = "ptnoinst"
  state   = "started"
  enabled = true
}

task "file" "target" {
  path    = "/srv/pt11/v2"
  content = "v2\n"
}

task "file" "link-over-file" {
  path   = "/srv/pt11/current"
  state  = "link"
  target = "/srv/pt11/v2"
}

task "line" "line-mode" {
  path = "/srv/pt11/profile"
  line = "umask 027"
  mode = "0600"
}

task "jq-edit" "json-mode" {
  path       = "/srv/pt11/app.json"
  expression = ".a = 1"
  mode       = "0600"
}
