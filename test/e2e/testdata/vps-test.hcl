# Variables for playbooks/vps.hcl on the testbed: SSH comes from the bridge,
# there is no OpenClaw binary (a python3 listener stands in), nginx serves
# plain HTTP. The stand-in listens on the gateway port (wait.gateway_up) and
# closes every connection without a reply, so nginx still answers 502.
admin_cidr         = "10.66.0.0/24"
gateway_exec_start = "/usr/bin/python3 -c 'import socket; s = socket.create_server((\"127.0.0.1\", 18789)); [s.accept()[0].close() for _ in iter(int, 1)]'"
enable_nginx       = true
nginx_tls          = false
gateway_token      = "initial-token-0123456789abcdef0123456789abcdef"
# No Node.js, npm or OpenClaw: the hosts reach no NodeSource repository
# (test/e2e/stack_test.go installs them from a local signed stand-in).
install_node     = false
install_openclaw = false
