"""``python -m emoshield``: the ``emoshield`` command."""

from emoshield.commands.app import main

main()
