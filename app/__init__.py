"""PyQt6 + pyqtgraph application over the tracker."""
