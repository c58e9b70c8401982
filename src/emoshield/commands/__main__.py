"""``python -m emoshield.commands``: the ``emoshield`` command."""

from emoshield.commands.app import main

main()
