# Issue 19 item 8: tasks planned against what earlier tasks do.
task "user" "bob" {
  name = "ptbob"
}

task "line" "bashrc" {
  path = "/home/ptbob/.bashrc"
  line = "umask 027"
}

task "file" "dir" {
  path  = "/srv/pt8"
  state = "directory"
  mode  = "0750"
}

task "file" "dir-again" {
  path  = "/srv/pt8"
  state = "directory"
  owner = "ptbob"
}

task "file" "marker" {
  path    = "/srv/pt8/marker"
  content = "made\n"
}

task "command" "once" {
  cmd     = "echo ran >> /srv/pt8/ran"
  creates = "/srv/pt8/marker"
}

task "cron" "first" {
  name     = "pt8 first"
  schedule = "0 1 * * *"
  command  = "true first"
}

task "cron" "second" {
  name     = "pt8 second"
  schedule = "0 2 * * *"
  command  = "true second"
}

task "file" "through-link" {
  path    = "/srv/pt8s/conf"
  content = "replaces the link\n"
}

task "file" "through-link-mode" {
  path = "/srv/pt8s/conf"
  mode = "0644"
}

task "ufw" "open" {
  rule {
    action = "allow"
    port   = 8443
    proto  = "tcp"
  }
}

task "ufw" "same-rule" {
  rule {
    action = "allow"
    port   = 8443
    proto  = "tcp"
  }
}
