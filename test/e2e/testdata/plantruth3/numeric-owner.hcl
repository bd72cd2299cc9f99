# Issue 19 (second review) item 5: owner and group given as numbers, of a
# named user and group and of ids without a name.
task "file" "dir" {
  path  = "/srv/cw7"
  state = "directory"
}

task "file" "named-ids" {
  path    = "/srv/cw7/named.conf"
  content = "named\n"
  owner   = "1000"
  group   = "100"
}

task "file" "bare-ids" {
  path    = "/srv/cw7/bare.conf"
  content = "bare\n"
  owner   = "4321"
  group   = "4321"
}

task "file" "dir-ids" {
  path  = "/srv/cw7/sub"
  state = "directory"
  owner = "4321"
}
