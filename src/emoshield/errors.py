"""Exceptions raised by emoshield: each says what went wrong and where."""

from __future__ import annotations


class EmoshieldError(Exception):
    """Base class of every error emoshield raises on purpose."""


class CorpusError(EmoshieldError):
    """A corpus root is missing, unreadable or not in the expected layout."""


class ManifestError(EmoshieldError):
    """A manifest lacks columns, holds unknown labels or does not match its features."""


class AudioError(EmoshieldError):
    """An audio file is unreadable, empty, too short, too long or non-finite."""


class FeatureError(EmoshieldError):
    """A feature frame is malformed or does not match what a consumer expects."""


class ConfigError(EmoshieldError):
    """An experiment setting names an unknown choice or holds an invalid value."""
