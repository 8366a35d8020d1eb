import numpy as np

import datagen
from drift import Bins, DriftMonitor, Episodes, InvalidInputMonitor


def test_psi_is_small_for_the_same_distribution_and_large_for_a_shift():
    rng = np.random.default_rng(1)
    reference = Bins.fit(rng.normal(0, 1, 20_000))
    assert reference.psi(rng.normal(0, 1, 200)) < 0.15
    assert reference.psi(rng.normal(1, 1, 200)) > 0.5


def test_an_episode_alerts_once_until_the_feature_recovers():
    episodes = Episodes(threshold=0.25, rearm_below=0.1)
    assert episodes.update({"income": 0.3}) == ["income"]
    assert episodes.update({"income": 0.9}) == []
    assert episodes.update({"income": 0.05}) == []
    assert episodes.update({"income": 0.4}) == ["income"]


def test_monitor_names_only_the_shifted_feature():
    columns, _ = datagen.labelled(5_000, 3)
    reference = {f: Bins.fit(np.asarray(v, dtype=float)) for f, v in columns.items()}
    alerts = []
    monitor = DriftMonitor(reference, window=200, check_every=25, threshold=0.25, rearm_below=0.1,
                           on_alert=alerts.append, on_score=lambda f, v: None)
    rng = np.random.default_rng(4)
    for application in datagen.records(datagen.applicants(1_000, rng)):
        monitor.observe(application)
    assert alerts == []
    for application in datagen.records(datagen.applicants(300, rng)):
        monitor.observe(application | {"debt_to_income": application["debt_to_income"] + 0.35})
    assert [a.feature for a in alerts] == ["debt_to_income"]


def test_refusals_of_one_field_alert_once():
    alerts = []
    monitor = InvalidInputMonitor(window=100, max_rate=0.2, rearm_below=0.05, on_alert=alerts.append)
    for _ in range(100):
        monitor.observe()
    for _ in range(100):
        monitor.observe(["loan_amount"])
    assert [(a.alert, a.feature) for a in alerts] == [("invalid_input", "loan_amount")]
