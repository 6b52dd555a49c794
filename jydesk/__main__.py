"""Entry point: ``jydesk`` and ``python -m jydesk``."""

from __future__ import annotations

import sys

from jydesk.cli import main as _main


def main() -> None:
    sys.exit(_main())


if __name__ == "__main__":
    main()
