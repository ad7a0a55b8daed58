"""The window's panels; each takes the :class:`app.model.AppModel` and redraws from it."""
