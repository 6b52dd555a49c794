"""The desktop bundle's entry point (packaging/jydesk.spec): the same as the ``jydesk`` command —
no arguments opens the app, a subcommand runs it (``jydesk print dibao --blank -o a.pdf``)."""

import multiprocessing

from jydesk.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    main()
