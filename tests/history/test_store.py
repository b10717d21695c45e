"""The store's everyday work: save, list, load every field back, delete, export, prune."""

from __future__ import annotations

import json
import os
import stat

import pytest
from _history_builders import heavy_report, make_report

from desktop_app.history import documents
from desktop_app.history.store import DEFAULT_SIZE_BUDGET, RunNotFound, Store

EXTRAS = set(documents.environment_extras())


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "data" / "history.sqlite3")


def without_store_keys(document: dict) -> dict:
    """A loaded document minus what the store adds (origin and the environment extras)."""
    out = dict(document)
    out.pop("origin")
    out["environment"] = {k: v for k, v in out["environment"].items() if k not in EXTRAS}
    return out


def test_every_field_of_a_report_comes_back(store):
    report = make_report()
    run_id = store.save_report(report)
    saved = store.load(run_id)
    assert without_store_keys(saved.to_json()) == json.loads(report.dumps())
    assert saved.document["origin"] == report.origin
    for entry, table in zip(report.runs, saved.spans, strict=True):
        for column in ("task", "pid", "thread_index", "start", "end", "ok"):
            assert getattr(entry.spans, column) == getattr(table, column)
        assert entry.spans.threads == table.threads


def test_the_environment_gains_build_machine_and_app_version(store):
    saved = store.load(store.save_report(make_report()))
    env = saved.document["environment"]
    assert EXTRAS <= set(env)
    assert env["python"] and env["start_method"] and "gil_enabled" in env and env["cpu_count"]
    assert saved.summary.machine == env["machine"]
    assert saved.summary.app_version == env["app_version"]


def test_a_json_document_with_tasks_saves_without_span_tables(store):
    document = json.loads(make_report().dumps())
    saved = store.load(store.save(document))
    assert without_store_keys(saved.to_json()) == document
    assert saved.summary.span_count == sum(len(run["tasks"]) for run in document["runs"])


def test_span_tables_must_match_the_runs(store):
    document = json.loads(make_report().dumps())
    with pytest.raises(ValueError, match="span tables for"):
        store.save(document, spans=[])


def test_the_summary_lists_what_the_history_view_shows(store):
    report = make_report(state="cancelled")
    summary = store.load(store.save_report(report)).summary
    assert summary.scenario == "pool-timing"
    assert summary.state == "cancelled"
    assert summary.duration_s == report.duration_s
    assert summary.params == report.params
    assert summary.python.startswith(report.environment["implementation"])
    assert summary.span_count == sum(len(e.spans) for e in report.runs)
    assert summary.spans_kept


def test_list_is_newest_first_and_filters_by_scenario_and_text(store):
    first = store.save_report(make_report("pool-timing"))
    second = store.save_report(make_report("io-vs-cpu"))
    third = store.save_report(make_report("pool-timing"))
    assert [run.id for run in store.list_runs()] == [third, second, first]
    assert [run.id for run in store.list_runs(scenario="pool-timing")] == [third, first]
    assert [run.id for run in store.list_runs(search="IO-VS")] == [second]
    assert [run.id for run in store.list_runs(limit=1)] == [third]
    assert store.list_runs(search="100%_") == []  # LIKE wildcards are literal
    store.set_label(first, "lock on")
    store.set_note(second, "after the upgrade")
    assert [run.id for run in store.list_runs(search="lock on")] == [first]
    assert store.summary(second).note == "after the upgrade"


def test_previous_run_is_the_same_scenario_saved_before(store):
    first = store.save_report(make_report("pool-timing"))
    store.save_report(make_report("io-vs-cpu"))
    third = store.save_report(make_report("pool-timing"))
    assert store.previous_run(third).id == first
    assert store.previous_run(first) is None


def test_delete_removes_the_run_and_its_spans(store):
    run_id = store.save_report(make_report())
    store.delete(run_id)
    with pytest.raises(RunNotFound, match=f"no saved run has id {run_id}"):
        store.load(run_id)
    with pytest.raises(RunNotFound):
        store.delete(run_id)
    assert store.stored_bytes() == 0


def test_export_writes_the_run_json_atomically_with_the_usual_mode(store, tmp_path):
    report = make_report()
    run_id = store.save_report(report)
    target = tmp_path / "run.json"
    umask = os.umask(0o022)
    try:
        store.export_json(run_id, target)
    finally:
        os.umask(umask)
    assert without_store_keys(json.loads(target.read_text())) == json.loads(report.dumps())
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_pruning_drops_the_oldest_spans_first_and_keeps_summaries(store):
    ids = [store.save_report(heavy_report(40_000)) for _ in range(4)]
    sizes = store.stored_bytes()
    result = store.prune(budget=sizes // 2)
    assert result.pruned == ids[: len(result.pruned)]  # oldest first
    assert result.bytes_after <= sizes // 2 < result.bytes_before
    kept = {run.id: run.spans_kept for run in store.list_runs()}
    assert [kept[i] for i in ids] == [i not in result.pruned for i in ids]
    pruned = store.load(ids[0])
    assert pruned.spans is None
    assert pruned.document["summary"] and pruned.summary.span_count == 40_000
    assert all(run["tasks"] == [] for run in pruned.to_json()["runs"])


def test_saving_prunes_to_the_budget_but_keeps_the_new_run(store):
    assert store.size_budget == DEFAULT_SIZE_BUDGET
    first = store.save_report(heavy_report(40_000))
    store.size_budget = store.stored_bytes() + 1_000
    second = store.save_report(heavy_report(40_000))
    assert not store.summary(first).spans_kept
    assert store.summary(second).spans_kept
    store.size_budget = 1  # smaller than one run: the newest keeps its spans all the same
    third = store.save_report(heavy_report(40_000))
    assert [run.spans_kept for run in store.list_runs()] == [True, False, False]
    assert store.load(third).spans is not None


def test_the_budget_must_be_positive(store):
    with pytest.raises(ValueError, match="above 0"):
        store.size_budget = 0


def test_worker_threads_save_while_another_thread_lists(store):
    from concurrent.futures import ThreadPoolExecutor

    reports = [make_report(f"scenario-{i}") for i in range(6)]
    with ThreadPoolExecutor(3, thread_name_prefix="history-save") as pool:
        saving = [pool.submit(store.save_report, report) for report in reports]
        while not all(future.done() for future in saving):
            store.list_runs()
        ids = [future.result() for future in saving]
    assert sorted(ids) == sorted({*ids})
    assert {store.summary(i).scenario for i in ids} == {f"scenario-{i}" for i in range(6)}
