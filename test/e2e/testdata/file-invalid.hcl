task "file" "bad_sshd" {
  path     = "/etc/ssh/sshd_config.d/20-bad.conf"
  content  = "ThisIsNotAnOption yes\n"
  validate = "/usr/sbin/sshd -t -f %s"
}
