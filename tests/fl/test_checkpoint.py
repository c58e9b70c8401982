import numpy as np

from emoshield.fl.checkpoint import FoldStore, experiment_key
from emoshield.fl.plan import FederatedOutcome, RoundRecord
from emoshield.fl.settings import settings_from
from tests.fl.conftest import toy_samples


def test_key_follows_data_and_result_changing_settings_only():
    data = toy_samples()
    base = experiment_key(data, settings_from({}))
    assert experiment_key(data, settings_from({"workers": 2, "repeats": 3, "baselines": False})) == base
    assert experiment_key(data, settings_from({"rounds": 7})) != base
    assert experiment_key(data, settings_from({"local": {"lr": 0.01}})) != base
    shifted = data.subset(np.arange(len(data)))
    assert experiment_key(shifted, settings_from({})) == base
    changed = type(data)(data.X + 1, data.lengths, data.y, data.speakers, data.genders, data.classes)
    assert experiment_key(changed, settings_from({})) != base


def test_outcomes_round_trip_and_broken_entries_are_recomputed(tmp_path):
    store = FoldStore(tmp_path, "k")
    outcome = FederatedOutcome(
        rounds=[RoundRecord(1, 3, 2, 1, ["node 7: boom"], 0.5, True, uar=0.4, epsilon=2.5)],
        predictions=np.array([0, 2, 1]), curve={0: 0.25, 1: 0.4}, epsilon=2.5,
    )
    store.save_outcome("federated-seed0-fold0", outcome)
    back = store.outcome("federated-seed0-fold0")
    assert back.rounds == outcome.rounds and back.curve == outcome.curve and back.epsilon == 2.5
    assert np.array_equal(back.predictions, outcome.predictions)
    assert store.outcome("federated-seed0-fold1") is None
    (store.folder / "centralised-seed0-fold0.json").write_text('{"predictions": [1, 2')  # cut short
    assert store.predictions("centralised-seed0-fold0") is None
    (store.folder / "federated-seed0-fold2.json").write_text('{"rounds": []}')  # another layout
    assert store.outcome("federated-seed0-fold2") is None
    assert not list(store.folder.glob("*.partial"))
