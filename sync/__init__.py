"""Sync between the desktop client and the city server (docs/architecture.md § Sync).

``sync.protocol`` holds the wire types shared by both sides, ``sync.bundle`` the USB
bundle file format, ``sync.server`` the city server. The desktop side (``sync.client``)
imports only ``sync.protocol`` and ``sync.bundle`` from here.
"""
