# probe
if c=$(crontab -l -u 'root' 2>/dev/null); then printf 'content='; printf '%s\n' "$c" | base64 -w0; echo; fi
echo type=crontab

# step 1: install crontab
printf %s 'IyBtaW5lCjUgNSAqICogKiAvYmluL3RydWUKIyBjbGF3cnVuOiBvcGVuY2xhdyBiYWNrdXAKMzAgMSAqICogNiB0YXIgY3pmIC92YXIvYmFja3Vwcy9vYy50YXIuZ3ogLUMgL2hvbWUvbW9sdGJvdCAub3BlbmNsYXcvCiMgYWZ0ZXIK' | base64 -d | crontab -u 'root' -
