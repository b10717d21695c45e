"""pyqtgraph views: timing plot, task timeline, CPU view and their styling."""
