# Shuts out every login but "nobody": the guard must revert it.
task "file" "lockout" {
  path     = "/etc/ssh/sshd_config.d/05-clawtest-lockout.conf"
  content  = "AllowUsers nobody\n"
  validate = "/usr/sbin/sshd -t -f %s"
  notify   = [handler.reload_ssh]
}

handler "service" "reload_ssh" {
  name  = "ssh"
  state = "reloaded"
}
