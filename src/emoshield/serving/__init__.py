"""The emotion communication system of seed 000, running: device -> edge -> cloud.

The device extracts ComParE features (and, for the defence's speaker front end,
standardises them with its own user's enrolment statistics); the edge encodes
them with the exported privacy encoder (ONNX Runtime, no torch); the cloud
decides the emotion from the code alone. ``wire`` fixes what crosses each hop,
``artifacts`` builds the two models, ``edge`` and ``cloud`` serve them, ``client``
is the device. The services need the ``serve`` extra (FastAPI, uvicorn, ONNX Runtime).
"""
