"""The Qt face of Concurrency Lab: main window, plots, timeline, error console, export.

pyqtgraph picks its Qt binding at import time; naming PySide6 here (before any ui module imports
pyqtgraph) keeps it from choosing another binding that happens to be installed.
"""

import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
