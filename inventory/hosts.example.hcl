# Example inventory for a small fleet of VPSes running an OpenClaw gateway.
# Copy to hosts.hcl and edit. Every host is also in group "all".
# vars named like a playbook variable set it for those hosts (host over
# groups over defaults); CLAWRUN_VAR_*, --var-file and --var win over them.
# `clawrun validate PLAYBOOK -i hosts.hcl` warns about vars no playbook uses.

defaults {
  user          = "admin" # the sudo user you log in as
  port          = 22
  identity_file = "~/.ssh/id_ed25519"  # else ssh-agent (SSH_AUTH_SOCK)
  known_hosts   = "~/.ssh/known_hosts" # strict: add hosts with ssh-keyscan
  become        = true                 # tasks run through sudo -n
  vars = {
    admin_cidr = "203.0.113.7/32" # where you administer from
  }
}

group "vps" {
  vars = {
    swap_size_mb = 2048
  }
}

group "tailnet" {
  vars = {
    tailscale_only = true # SSH only over tailscale0
  }
}

host "gw1" {
  address = "203.0.113.10"
  groups  = ["vps"]
  vars    = { gateway_port = 18789 }
}

host "gw2" {
  address = "203.0.113.11"
  groups  = ["vps", "tailnet"]
}

host "gw3" {
  address = "10.0.0.5"
  groups  = ["vps"]
  jump    = "admin@bastion.example.com:22" # ProxyJump through a bastion
}
