"""专干账号: the administrators' account list and every clerk's 修改密码 (no dock panel)."""
