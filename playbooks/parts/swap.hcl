# A swap file, in fstab, activated where the kernel allows it (runbook 1).
# Part of playbooks/vps.hcl; include it on its own. A variable that vars
# does not set takes --var, CLAWRUN_VAR_* or the host's inventory var of
# the same name, else its default; vars win over all of them, for every host:
#
#   include "swap" {
#     source = "parts/swap.hcl"
#     vars   = { swap_size_mb = 1024 }
#   }

variable "swap_size_mb" {
  type        = number
  default     = 2048
  description = "Size of /swapfile in MiB (runbook 1, swap); 0 skips swap."
}

task "command" "swapfile" {
  cmd     = "fallocate -l ${var.swap_size_mb}M /swapfile && chmod 600 /swapfile && mkswap /swapfile >/dev/null"
  creates = "/swapfile"
  when    = var.swap_size_mb > 0
  tags    = ["swap"]
}

task "line" "swap_fstab" {
  path = "/etc/fstab"
  line = "/swapfile none swap sw 0 0"
  when = var.swap_size_mb > 0
  tags = ["swap"]
}

task "command" "swapon" {
  cmd = "swapon /swapfile"
  # Containers may not enable swap: the kernel refuses, so skip there.
  unless = "swapon --show=NAME --noheadings | grep -qx /swapfile || systemd-detect-virt --container -q"
  when   = var.swap_size_mb > 0
  tags   = ["swap"]
}
