"""Qt-free models behind the views (covered by the import-boundary test)."""
