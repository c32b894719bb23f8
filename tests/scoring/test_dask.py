"""Dask DataFrames are scored partition by partition, exactly as pandas would score them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backspasm.network import default_network, load_network
from backspasm.scoring import ScoringWarning, score_cases

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

pytestmark = [
    # distributed's cluster start-up and shutdown emit resource and deprecation noise
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning:distributed.*"),
    # cases() has a note column, passed through on purpose
    pytest.mark.filterwarnings("ignore:columns passed through unscored"),
]


def cases(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "case_id": [f"c{i}" for i in range(n)],
            "age": rng.choice(["25", "50", "70", "", "150"], n),
            "fever": rng.choice(["yes", "no", "", "maybe"], n),
            "spasm_location": rng.choice(["flank", "lower_back", "", "upper_back"], n),
            "blood_in_urine": rng.choice(["y", "n", ""], n),
            "note": rng.choice(["007", "=cmd()", ""], n),
        }
    )


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def test_dask_equals_pandas(client):
    frame = cases()
    expected = score_cases(frame)
    lazy = score_cases(dd.from_pandas(frame, npartitions=4))
    assert isinstance(lazy, dd.DataFrame)
    assert list(lazy.columns) == list(expected.columns)
    got = client.compute(lazy).result()
    # Dask stores the input's text columns as pyarrow strings; values must be equal.
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_exact=False, rtol=1e-12)
    new = [c for c in expected.columns if c not in frame.columns]
    pd.testing.assert_series_equal(got.dtypes[new], expected.dtypes[new])
    assert (got["error"] != "").any()


def test_dask_explain_equals_pandas_and_its_meta(client):
    # the explanation columns, pointed_cause and its odds factor among them
    frame = cases(40)
    expected = score_cases(frame, explain=True)
    lazy = score_cases(dd.from_pandas(frame, npartitions=3), explain=True)
    got = client.compute(lazy).result()
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_exact=False, rtol=1e-12)
    pd.testing.assert_series_equal(lazy.dtypes, got.dtypes)
    assert (got["pointed_cause"] != "").sum() >= 10  # fever and flank pain point to causes


def test_dask_with_a_custom_network_and_warnings(client, toy_spec_dir):
    toy = load_network(toy_spec_dir())
    frame = pd.DataFrame({"stone": ["yes", "no", ""] * 4, "strainn_": ["yes"] * 12})
    with pytest.warns(ScoringWarning, match="did you mean 'strain'"):
        lazy = score_cases(dd.from_pandas(frame, npartitions=3), network=toy)
    got = client.compute(lazy).result()
    with pytest.warns(ScoringWarning):
        expected = score_cases(frame, network=toy)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_dask_names_the_columns_passed_through_once(client):
    frame = cases(8).assign(positive_slr="yes")  # a variant's column, scored without it
    with pytest.warns(ScoringWarning) as caught:
        score_cases(dd.from_pandas(frame, npartitions=2))
    assert [str(w.message) for w in caught] == [
        "columns passed through unscored (not questions of this network): 'note', 'positive_slr'."
    ]


def test_dask_meta_matches_the_result(client):
    lazy = score_cases(dd.from_pandas(cases(10), npartitions=2), network=default_network())
    got = client.compute(lazy).result()
    pd.testing.assert_series_equal(lazy.dtypes, got.dtypes)


@pytest.mark.slow
def test_dask_worker_processes_rebuild_the_bundled_network():
    # The bundled network is not shipped: each worker process loads its own copy.
    frame = cases(30)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        got = c.compute(score_cases(dd.from_pandas(frame, npartitions=2))).result()
    pd.testing.assert_frame_equal(got, score_cases(frame), check_dtype=False, rtol=1e-12)


@pytest.mark.slow
def test_dask_worker_processes_score_with_a_user_loaded_network(tmp_path):
    # A user's variant knowledge base (one number changed) travels to worker processes
    # by pickling the Network; the scores are the variant's, not the bundled ones.
    import shutil
    from importlib.resources import files

    variant = tmp_path / "variant"
    shutil.copytree(str(files("backspasm") / "knowledge"), variant)
    causes = variant / "causes.toml"
    text = causes.read_text(encoding="utf-8")
    old = "strength.previous_kidney_stone = { p = 0.00902,"
    assert old in text
    new = "strength.previous_kidney_stone = { p = 0.2,"
    causes.write_text(text.replace(old, new), encoding="utf-8")
    net = load_network(variant)
    frame = cases(30)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        got = c.compute(score_cases(dd.from_pandas(frame, npartitions=2), network=net)).result()
    expected = score_cases(frame, network=net)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-12)
    bundled = score_cases(frame)
    assert not np.allclose(
        expected["p_kidney_stones"].astype(float), bundled["p_kidney_stones"].astype(float)
    )


def test_a_dask_series_is_refused_like_a_pandas_one():
    dd = pytest.importorskip("dask.dataframe")
    frame = pd.DataFrame({"fever": ["yes", "no"], "age": [40, 50]})
    with pytest.raises(TypeError, match="must be a pandas or Dask DataFrame"):
        score_cases(dd.from_pandas(frame, npartitions=2)["fever"])
