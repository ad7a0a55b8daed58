"""One module per ``heterotrack`` subcommand: ``add_arguments(parser)`` and ``run(args) -> int``.

These are thin: they parse, call into the packages, and print.
"""
