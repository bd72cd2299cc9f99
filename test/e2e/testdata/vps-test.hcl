# Variables for playbooks/vps.hcl on the testbed: SSH comes from the bridge,
# there is no OpenClaw binary (sleep stands in), nginx serves plain HTTP.
admin_cidr         = "10.66.0.0/24"
gateway_exec_start = "/bin/sleep infinity"
enable_nginx       = true
nginx_tls          = false
gateway_token      = "initial-token-0123456789abcdef0123456789abcdef"
