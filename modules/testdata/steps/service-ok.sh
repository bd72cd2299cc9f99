# probe
systemctl show -p LoadState,ActiveState,UnitFileState,NeedDaemonReload,FragmentPath,ConditionResult,ConditionTimestampMonotonic -- 'ssh.service'
# no steps
