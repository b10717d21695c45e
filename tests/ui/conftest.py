"""The main window's tests use the suite's window fixtures (tests/conftest.py: ini_path,
ini_settings, lab_host, lab_window); tests/ui/_window_helpers.py has the helpers they share."""
