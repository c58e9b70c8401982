"""Audio anonymisation before anything else sees the voice: the field's peers of emoshield's defences."""
