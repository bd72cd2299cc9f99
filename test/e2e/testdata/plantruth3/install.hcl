# Issue 19 (second review) item 3: whether enable does anything is decided
# by the [Install] entries of a unit and its drop-ins, not the header.
task "file" "commented-unit" {
  path    = "/etc/systemd/system/cw4.service"
  content = "[Service]\nExecStart=/bin/sleep infinity\n[Install]\n#WantedBy=multi-user.target\n"
}

task "service" "commented" {
  name    = "cw4"
  enabled = true
  state   = "started"
}

task "file" "bare-unit" {
  path    = "/etc/systemd/system/cw5.service"
  content = "[Service]\nExecStart=/bin/sleep infinity\n"
}

task "file" "install-dir" {
  path  = "/etc/systemd/system/cw5.service.d"
  state = "directory"
}

task "file" "install-dropin" {
  path    = "/etc/systemd/system/cw5.service.d/install.conf"
  content = "[Install]\nWantedBy=multi-user.target\n"
}

task "service" "dropin" {
  name    = "cw5"
  enabled = true
  state   = "started"
}
