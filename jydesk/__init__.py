"""jydesk: offline case-work desktop client for village civil-affairs clerks of 简阳市."""

__version__ = "0.1.0"
