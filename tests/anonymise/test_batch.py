"""``emoshield anonymise``: a manifest's audio into a folder, bad files listed, a rerun resumes."""

from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from emoshield.manifest import read_manifest
from emoshield.synthetic import SyntheticSpec, generate_corpus
from tests.test_cli import emoshield


def test_a_manifest_is_anonymised_bad_files_listed_and_a_rerun_resumes(tmp_path):
    manifest = generate_corpus(tmp_path / "c", SyntheticSpec(n_speakers=4, utterances_per_speaker=3))
    silent, short = manifest["file"].iloc[1], manifest["file"].iloc[2]
    sf.write(silent, np.zeros(16000, dtype=np.float32), 16000)
    sf.write(short, np.full(400, 0.1, dtype=np.float32), 16000)  # 25 ms: below the 100 ms any file needs
    args = ("anonymise", str(tmp_path / "c/manifest.csv"), "--method", "mcadams(alpha=random)", "-o", "out",
            "--workers", "2")
    first = emoshield(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "10/12" in first.stderr and "silent" in first.stderr and "too short" in first.stderr
    failures = pd.read_csv(tmp_path / "out/manifest.failures.csv")
    assert sorted(failures["file"]) == sorted([silent, short])
    out = read_manifest(tmp_path / "out/manifest.csv")
    assert len(out) == 10 and set(out["source"]) == set(manifest["file"]) - {silent, short}
    assert out["mcadams_alpha"].astype(float).between(0.5, 0.9).all() and out["mcadams_alpha"].nunique() > 1
    for row in out.itertuples():
        original, _ = sf.read(row.source)
        anonymised, rate = sf.read(row.file)
        assert rate == 16000 and len(anonymised) == len(original) and np.abs(anonymised).max() <= 1.0
        assert np.corrcoef(original, anonymised)[0, 1] < 0.99  # changed, not copied
    stamps = {f: (tmp_path / "out" / f).stat().st_mtime_ns for f in pd.read_csv(tmp_path / "out/manifest.csv")["file"]}
    again = emoshield(*args, cwd=tmp_path)
    assert again.returncode == 0 and "10 from an earlier run" in again.stderr
    assert read_manifest(tmp_path / "out/manifest.csv")["mcadams_alpha"].tolist() == out["mcadams_alpha"].tolist()
    assert {f: (tmp_path / "out" / f).stat().st_mtime_ns for f in stamps} == stamps  # nothing written twice
    other = emoshield("anonymise", str(tmp_path / "c/manifest.csv"), "--method", "mcadams(alpha=0.7)", "-o", "out",
                      cwd=tmp_path)
    assert other.returncode == 1 and "anonymised by mcadams(alpha=random)" in other.stderr
    bad = emoshield("anonymise", str(tmp_path / "c/manifest.csv"), "--method", "mcadams(beta=1)", cwd=tmp_path)
    assert bad.returncode == 2 and "--method" in bad.stderr and "beta" in bad.stderr


def test_a_manifest_whose_audio_is_missing_is_one_clear_error(tmp_path):
    manifest = generate_corpus(tmp_path / "c", SyntheticSpec(n_speakers=4, utterances_per_speaker=2))
    for file in manifest["file"]:
        Path(file).unlink()
    done = emoshield("anonymise", str(tmp_path / "c/manifest.csv"), "-o", "out", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "none of the 8 file(s) could be anonymised" in done.stderr and "no such file" in done.stderr
