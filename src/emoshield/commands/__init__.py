"""The ``emoshield`` command line: thin commands over the library, which never imports them."""

from emoshield.commands.app import app, main

__all__ = ["app", "main"]
