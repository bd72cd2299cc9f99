# probe
systemctl show -p LoadState,ActiveState,UnitFileState,NeedDaemonReload,FragmentPath,ConditionResult,ConditionTimestampMonotonic -- 'openclaw-gateway.service'
# step 1: daemon-reload
systemctl daemon-reload
