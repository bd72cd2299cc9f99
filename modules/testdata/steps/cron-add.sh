# probe
if c=$(crontab -l -u 'root' 2>/dev/null); then printf 'content='; printf '%s\n' "$c" | base64 -w0; echo; fi
echo type=crontab

# step 1: install crontab
printf %s 'IyBtaW5lCjUgNSAqICogKiAvYmluL3RydWUKIyBjbGF3cnVuOiBvcGVuY2xhdyBiYWNrdXAKMCAyICogKiAwIHRhciBjemYgL3Zhci9iYWNrdXBzL29jLnRhci5neiAtQyAvaG9tZS9tb2x0Ym90IC5vcGVuY2xhdy8K' | base64 -d | crontab -u 'root' -
