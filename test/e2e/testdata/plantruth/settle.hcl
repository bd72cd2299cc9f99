# Issue 19 item 6: tasks that settled only in clawrun's own form.
task "file" "setgid-dir" {
  path  = "/srv/pt6"
  state = "directory"
  mode  = "0755"
}

task "file" "backslash" {
  path    = "/srv/pt6b/back\\slash.conf"
  content = "escaped by sha256sum\n"
}

task "ufw" "ports" {
  logging = "on"

  rule {
    action = "allow"
    port   = "443,80"
    proto  = "tcp"
  }
}

task "jq-edit" "limit" {
  path       = "/srv/pt6b/app.json"
  create     = true
  expression = ".limit = 1e15 | .big = 1e20"
}

task "service" "runtime-enabled" {
  name    = "pt6"
  enabled = false
}

# A packaged drop-in is found under /lib and /usr/lib (merged /usr); only
# one of them is in DropInPaths. It is not a new drop-in to reload for.
task "service" "packaged-dropin" {
  name = "systemd-localed"
}
