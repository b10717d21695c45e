"""Run history: every run saved to an embedded SQLite database, and runs compared.

Qt-free (the CLI and tests use it; the window builds its History and Compare views on it).
``store`` keeps the runs, ``compare`` says whether one run is faster than another.
"""
