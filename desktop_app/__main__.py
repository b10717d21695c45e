"""``python -m desktop_app``: the window with no arguments, the command line with them.

Worker processes re-import this module as ``__mp_main__``: it must stay this thin.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from desktop_app.entry import main

    sys.exit(main())
