# retries on a real host (test/e2e/retries_test.go): the command fails on
# its first two attempts and succeeds on the third.
task "command" "flaky" {
  cmd     = "n=$(cat /var/tmp/clawtest-retries 2>/dev/null || echo 0); n=$((n+1)); echo $n > /var/tmp/clawtest-retries; if [ $n -lt 3 ]; then echo \"attempt $n fails\" >&2; exit 1; fi; touch /var/tmp/clawtest-retries-done"
  creates = "/var/tmp/clawtest-retries-done"
  retries = 3
  delay   = 1
}
