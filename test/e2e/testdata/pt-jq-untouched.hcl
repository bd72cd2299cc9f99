# Issue 19 item 4: values the program does not touch keep their bytes.
variable "file" {
  type    = string
  default = "/etc/clawtest/pt4.json"
}

task "jq-edit" "name" {
  path       = var.file
  expression = ".name = \"b\""
}
