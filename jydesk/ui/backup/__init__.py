"""文件 → 备份 / 恢复, the damaged-file offer at start, and the checks and daily backup after start."""
