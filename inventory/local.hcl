# Runs tasks on this machine, without SSH and without sudo.
host "localhost" {
  connection = "local"
  become     = false
}
