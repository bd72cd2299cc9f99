# Variables for playbooks/vps.hcl with the software stack on the testbed
# (test/e2e/stack_test.go): the repositories and npm's registry are the
# testbed's signed stand-ins, given with --var; the gateway is the openclaw
# stand-in that npm installs (no gateway_exec_start).
enable_nginx     = false
install_node     = true
install_openclaw = true
gateway_token    = "initial-token-0123456789abcdef0123456789abcdef"
