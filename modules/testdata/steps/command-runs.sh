# probe
if [ -e '/var/lib/app/init' ]; then echo creates=1; fi
true

# step 1: run
touch /var/lib/app/init
