"""Pure domain rules: ID numbers, regions, care tiers, benefit standards, entity specs.

No Qt and no SQL imports here; every other layer may import this package.
"""
