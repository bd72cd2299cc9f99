# A small "site": a folder, two files and a handler that records each
# reload in reloads.log.
variable "name" {
  type = string
}

variable "dir" {
  type = string
}

variable "port" {
  type    = number
  default = 8000
}

task "file" "dir" {
  path  = var.dir
  state = "directory"
}

task "file" "conf" {
  path    = "${var.dir}/site.conf"
  content = "name = ${var.name}\nport = ${var.port}\n"
  notify  = [handler.reload]
}

task "template" "index" {
  source = "site-index.tmpl"
  path   = "${var.dir}/index.html"
  vars   = { name = var.name }
  notify = [handler.reload]
}

handler "command" "reload" {
  cmd = "echo reloaded >> '${var.dir}/reloads.log'"
}
