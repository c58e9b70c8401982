"""Errors of federated learning: each names the client, round or setting at fault."""

from __future__ import annotations

from emoshield.errors import EmoshieldError


class FederatedError(EmoshieldError):
    """A federated run cannot start or go on: bad partition, unknown choice, failed round."""
