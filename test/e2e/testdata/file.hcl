task "file" "dir" {
  path  = "/srv/clawtest"
  state = "directory"
  mode  = "0750"
}

task "file" "conf" {
  path    = "/srv/clawtest/app.conf"
  content = "listen = 127.0.0.1\nhost = ${host.name}\n"
  mode    = "0640"
  owner   = "admin"
  group   = "admin"
}

task "file" "source" {
  path   = "/srv/clawtest/source.txt"
  source = "files/source.txt"
}

task "file" "link" {
  path   = "/srv/clawtest/current"
  state  = "link"
  target = "/srv/clawtest/app.conf"
}

task "file" "motd_gone" {
  path  = "/etc/motd"
  state = "absent"
}

task "file" "sshd_dropin" {
  path     = "/etc/ssh/sshd_config.d/10-clawtest.conf"
  content  = "X11Forwarding no\n"
  validate = "/usr/sbin/sshd -t -f %s"
  backup   = true
}
