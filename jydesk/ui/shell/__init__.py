"""The shell: application start, main window, dock panel base and registry, login, lock, style."""
