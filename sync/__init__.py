"""Sync between the desktop client and the city server (DESIGN.md §4).

``sync.protocol`` holds the wire types shared by both sides, ``sync.bundle`` the USB
bundle file format, ``sync.server`` the city server. The desktop side (``sync.client``)
imports only ``sync.protocol`` and ``sync.bundle`` from here.
"""
