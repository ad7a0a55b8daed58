"""User-facing error types.

Anything raised as a :class:`HeteroTrackError` is a problem with the user's
input or environment (a missing file, a malformed line, an incompatible
checkpoint). Entry points print its message without a traceback and exit with
status 2. Every message names the file, line, frame or field at fault.
"""


class HeteroTrackError(Exception):
    """Base class for errors caused by user input, shown without a traceback."""


class InputError(HeteroTrackError):
    """A file, folder, frame, box or CSV row that cannot be used."""


class ConfigError(HeteroTrackError):
    """A configuration file or mapping with unknown keys or bad values."""


class CheckpointError(HeteroTrackError):
    """Model weights that are missing, corrupt or built for another architecture."""


class SourceError(InputError):
    """A video, camera or stream that fails to open or stops delivering frames."""
