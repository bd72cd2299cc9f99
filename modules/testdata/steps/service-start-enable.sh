# probe
systemctl show -p LoadState,ActiveState,UnitFileState,NeedDaemonReload,FragmentPath,ConditionResult,ConditionTimestampMonotonic -- 'cron.service'
# step 1: enable --now
systemctl enable --now -- 'cron.service'
