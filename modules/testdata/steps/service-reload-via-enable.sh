# probe
systemctl show -p LoadState,ActiveState,UnitFileState,NeedDaemonReload,FragmentPath,ConditionResult,ConditionTimestampMonotonic -- 'openclaw-gateway.service'
# step 1: enable --now
systemctl enable --now -- 'openclaw-gateway.service'
