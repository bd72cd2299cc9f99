task "user" "moltbot" {
  name            = "moltbot"
  shell           = "/bin/bash"
  groups          = ["sudo"]
  authorized_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly0000000000000000000000 test@clawrun"]
}
