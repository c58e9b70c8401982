"""One plain sentence per method: what it kept and what it hid, against the defence's targets."""

from emoshield.evaluation.metrics import MetricSummary
from emoshield.evaluation.summary import MethodResult
from emoshield.evaluation.verdict import sentences

CHANCE = {"emotion_uar": 0.5, "gender_leakage": 0.5, "speaker_id_acc": 0.217, "speaker_eer": 0.5, "membership_auc": 0.5}


def _result(method: str, **values: float) -> MethodResult:
    return MethodResult(method, {m: MetricSummary(v, 0.01, 5, CHANCE[m]) for m, v in values.items()})


def test_each_method_is_judged_against_raw_and_the_targets():
    raw = _result("raw", emotion_uar=0.779, gender_leakage=0.888, speaker_id_acc=0.804, speaker_eer=0.464,
                  membership_auc=0.997)
    good = _result("adversarial", emotion_uar=0.763, gender_leakage=0.544, speaker_id_acc=0.174, speaker_eer=0.503,
                   membership_auc=0.589)
    leaky = _result("speaker_norm", emotion_uar=0.613, gender_leakage=0.574, speaker_id_acc=0.636, speaker_eer=0.376,
                    membership_auc=0.537)
    first, second = sentences([raw, good, leaky], "valence")
    assert first.startswith("adversarial: kept valence (UAR 76 vs 78 on raw features); hid gender (54, target ≤ 60)")
    assert "speaker identity (17, target ≤ 2 × chance (43))" in first and "did not hide" not in first
    assert second.startswith("speaker_norm: lost 17 points of valence (UAR 61 vs 78 on raw features)")
    assert "did not hide speaker identity (64, target ≤ 2 × chance (43)) or voice linkage (same-gender EER) (38, " \
           "target ≥ 40)" in second


def test_without_raw_features_utility_is_stated_not_compared():
    alone = sentences([_result("adversarial", emotion_uar=0.7, gender_leakage=0.7)], "emotion")
    assert alone == ["adversarial: recognised emotion at UAR 70; did not hide gender (70, target ≤ 60)."]
