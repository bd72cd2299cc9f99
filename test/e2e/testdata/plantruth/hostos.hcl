# Issue 19 item 10: the template's name matches none of the old patterns
# and the playbook does not say the word: only the template's traversal
# tells that it reads the host's os.
task "template" "os" {
  source = "os.conf"
  path   = "/srv/pt10.conf"
}
