# SSH hardening: no root login, keys only; validated with sshd -t, reloaded once (runbook 1).
# Part of playbooks/vps.hcl; include it on its own. A variable that vars
# does not set takes --var, CLAWRUN_VAR_* or the host's inventory var of
# the same name, else its default; vars win over all of them, for every host:
#
#   include "ssh" {
#     source = "parts/ssh.hcl"
#   }

task "file" "sshd_hardening" {
  path     = "/etc/ssh/sshd_config.d/10-clawrun-hardening.conf"
  content  = <<-EOT
    # Managed by clawrun (playbooks/vps.hcl): runbook 1, SSH hardening.
    # First value wins in sshd: this file sorts before cloud images' 50-*.conf.
    PermitRootLogin no
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    PubkeyAuthentication yes
    X11Forwarding no
  EOT
  mode     = "0644"
  validate = "/usr/sbin/sshd -t -f %s"
  notify   = [handler.reload_ssh]
  tags     = ["ssh"]
}

# Once, at the end, when the drop-in changed.

handler "service" "reload_ssh" {
  name  = "ssh"
  state = "reloaded"
}
