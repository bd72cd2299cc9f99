# Issue 19 item 3: /srv/pt3/link is a symlink to a directory. "link/"
# must be refused before any host is contacted; "link" removes the link
# and nothing behind it.
variable "path" {
  type    = string
  default = "/srv/pt3/link"
}

task "file" "gone" {
  path  = var.path
  state = "absent"
}
