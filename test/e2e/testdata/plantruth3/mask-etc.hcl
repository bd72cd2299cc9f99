# Issue 19 (second review) item 2: mask a unit; fails while its file is
# in /etc/systemd/system (where the mask link goes).
task "service" "cw1" {
  name   = "cw1"
  masked = true
}
