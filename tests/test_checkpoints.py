import json

import numpy as np

from emoshield.checkpoints import decode, encode


def test_measurements_survive_json_exactly():
    output = {
        "truth": {"gender_leakage": np.array(["female", "male"])},
        "predicted": {("gender_leakage", "svm"): np.array(["male", "male"])},
        "trials": {"cosine": (np.array([0.1 + 0.2, -1e-300]), np.array([True, False]))},
        "weak_gender": None, "aucs": {"knn": [0.5, 0.75]}, "n": np.int64(7),
    }
    back = decode(json.loads(json.dumps(encode(output))))
    assert back["predicted"][("gender_leakage", "svm")].tolist() == ["male", "male"]
    scores, same = back["trials"]["cosine"]
    assert scores.tolist() == [0.1 + 0.2, -1e-300] and same.dtype == bool
    assert back["truth"]["gender_leakage"].dtype == output["truth"]["gender_leakage"].dtype
    assert back["weak_gender"] is None and back["aucs"] == {"knn": [0.5, 0.75]} and back["n"] == 7
