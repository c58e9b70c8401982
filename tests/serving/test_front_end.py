"""The device standardises as the evaluation measures: one estimator, its priors and label model over the wire."""

import numpy as np
import pandas as pd
import pytest

from emoshield.methods import SpeakerNorm
from emoshield.serving.enrolment import Enrolment
from emoshield.serving.wire import front_end_from, front_end_message


@pytest.mark.parametrize("spec", [dict(prior=10.0), dict(prior=10.0, mean_prior=5.0, emotion_aware=True),
                                  dict(emotion_aware=True)])
def test_a_device_enrolment_standardises_as_the_evaluation_does(spec):
    rng = np.random.default_rng(0)
    speakers = np.repeat(["a", "b", "c", "d"], 15)
    labels = np.tile(np.repeat(["negative", "positive"], [9, 6]), 4)
    X = rng.normal(size=(60, 30)) + rng.normal(size=(4, 30)).repeat(15, axis=0)
    X[labels == "positive"] += 0.8
    front = SpeakerNorm(**spec).fit(X, pd.DataFrame({"speaker": speakers, "label": labels}))
    priors = front_end_from(front_end_message(front.priors), "test")  # what the edge serves at /v1/front-end
    assert priors.labels == (2 if spec.get("emotion_aware") else 0)
    new = rng.normal(size=(12, 30)) + 3.0  # a new user: 10 utterances enrol, 2 are standardised
    device = Enrolment("digest").update(new[:10], priors).standardise(new[10:], priors, minimum=10)
    attributes = pd.DataFrame({"speaker": ["new"] * 12, "enrolment": 0, "enrols": [0] * 10 + [-1] * 2})
    evaluation = front.transform(new, attributes)[10:]
    np.testing.assert_allclose(device, evaluation, rtol=1e-4, atol=1e-4)  # float32 on the wire
