"""The window's run history: saving each run, the History view, Compare and the HTML report.

Built on the Qt-free store (desktop_app/history/); every database call and file write here
runs on a pool thread (background.py), never on the GUI thread.
"""
