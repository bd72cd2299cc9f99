# 40 KiB into a 16 KiB filesystem: inline (base64) path of the atomic write.
task "file" "big" {
  path    = "/mnt/clawfull/app.conf"
  content = join("", [for i in range(800) : "0123456789012345678901234567890123456789012345678\n"])
}
