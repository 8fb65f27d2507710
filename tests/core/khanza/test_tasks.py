"""Task times from source chains, as pure functions: which alternative gives the time,
and what a "waiting" reason names when none does."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core.khanza.options import PRESETS, TaskSources
from core.khanza.tasks import Events, Visit, collect_tasks, collect_unreadable

DAY = date(2026, 12, 1)
FILE_SENT = datetime(2026, 12, 1, 8, 15)
CHECKIN = datetime(2026, 12, 1, 7, 55)
WSRS = TaskSources(PRESETS["wsrs"])


def file_sent(no_rawat: str = "2026/12/01/000001") -> Events:
    return Events(mutasi={no_rawat: (FILE_SENT, None)})


def test_a_checked_in_existing_patient_takes_the_check_in_for_task_3() -> None:
    visit = Visit("2026/12/01/000001", checkin=CHECKIN, visit_day=DAY)
    tasks = collect_tasks(visit, file_sent(), WSRS)
    assert tasks[3] == CHECKIN
    assert 1 not in tasks


def test_a_walk_in_without_check_in_takes_the_file_sent_for_task_3() -> None:
    tasks = collect_tasks(Visit("2026/12/01/000001", visit_day=DAY), file_sent(), WSRS)
    assert tasks == {3: FILE_SENT}


def test_a_check_in_on_another_day_passes_to_the_file_sent() -> None:
    visit = Visit("2026/12/01/000001", checkin=datetime(2026, 11, 30, 16, 0), visit_day=DAY)
    assert collect_tasks(visit, file_sent(), WSRS)[3] == FILE_SENT


def test_a_new_patients_check_in_is_task_1_and_task_3_is_the_file_sent() -> None:
    visit = Visit("2026/12/01/000001", checkin=CHECKIN, pasienbaru=True, visit_day=DAY)
    tasks = collect_tasks(visit, file_sent(), WSRS)
    assert tasks[1] == CHECKIN
    assert tasks[3] == FILE_SENT


def test_nothing_is_invented_when_no_alternative_has_a_time() -> None:
    tasks = collect_tasks(Visit("2026/12/01/000001", visit_day=DAY), Events(), WSRS)
    assert 3 not in tasks and 1 not in tasks


def test_an_unreadable_first_alternative_passes_to_the_next() -> None:
    sources = TaskSources.parse("3=mutasi_berkas.dikirim|pemeriksaan_ralan.first")
    no_rawat = "2026/12/01/000002"
    examined = datetime(2026, 12, 1, 9, 0)
    events = Events(mutasi={no_rawat: (None, None)}, soap={no_rawat: [(examined, True)]})
    events.note(no_rawat, "mutasi_berkas.dikirim", "0000-00-00 00:00:00")
    visit = Visit(no_rawat, visit_day=DAY)
    tasks = collect_tasks(visit, events, sources)
    assert tasks == {3: examined}
    assert collect_unreadable(visit, events, sources, tasks) == {}


def test_the_waiting_reason_names_every_unreadable_alternative() -> None:
    sources = TaskSources.parse("3=mutasi_berkas.dikirim|pemeriksaan_ralan.first")
    no_rawat = "2026/12/01/000003"
    events = Events(mutasi={no_rawat: (None, None)})
    events.note(no_rawat, "mutasi_berkas.dikirim", "0000-00-00 00:00:00")
    late = timedelta(hours=25, minutes=1)  # a TIME past midnight, as MariaDB allows
    events.note(no_rawat, "pemeriksaan_ralan.first", date(2026, 12, 1), late)
    visit = Visit(no_rawat, visit_day=DAY)
    tasks = collect_tasks(visit, events, sources)
    assert 3 not in tasks
    assert collect_unreadable(visit, events, sources, tasks) == {3: (
        "mutasi_berkas.dikirim is '0000-00-00 00:00:00'; "
        "pemeriksaan_ralan.first is '2026-12-01 25:01:00'"
    )}
