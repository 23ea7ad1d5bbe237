"""Deadlines of the school-accident diagram: reminders and escalations fire once, on time, and catch up in one go."""

from __future__ import annotations

from datetime import timedelta

from timer_helpers import (
    START,
    TO_CONTROL,
    TO_PARENT_COMPLETION,
    TO_PARENT_REACTION,
    case_row,
    declare,
    later,
    notices,
    pending,
    walk,
)

from engine import workflow
from engine.services import scheduler, steps, timers, versions


def test_declaration_deadline_fires_once(app, frozen):
    case_id = declare(START)
    assert case_row(case_id).next_timer_at == START + later(hours=48)

    assert timers.fire_due() == 0
    # SpiffWorkflow fires a timer once its due time has passed, not at the due instant itself.
    frozen.advance(later(hours=48))
    assert timers.fire_due() == 0
    assert notices(case_id) == []

    frozen.advance(timedelta(seconds=1))
    assert timers.fire_due() == 1
    sent = [(username, kind) for username, kind, _params in notices(case_id)]
    assert sent == [("ecole.demo", "reminder"), ("province.demo", "escalation")]
    _username, _kind, params = notices(case_id)[0]
    assert params["late"] is False
    assert params["missed"] == 1
    assert params["task"] == "Finalise the declaration"
    assert "T2_Finalise" in pending(case_id)

    assert timers.fire_due() == 0
    assert scheduler.tick(app)["fired"] == 0
    assert len(notices(case_id)) == 2
    # The next deadline is the reminder about the parent's documents, 7 days after the accident.
    assert case_row(case_id).next_timer_at == START + later(days=7)


def test_idle_tick_fires_nothing(app, frozen):
    case_id = declare(START)
    figures = scheduler.tick(app)
    assert figures["fired"] == 0
    assert figures["lag_ms"] == 0
    assert notices(case_id) == []


def test_parent_documents_reminder_then_escalation(frozen):
    case_id = declare(START)
    walk(case_id, [("T2_Finalise", {})])

    frozen.advance(later(days=7, seconds=1))
    assert timers.fire_due() == 1
    assert [(user, kind) for user, kind, _ in notices(case_id)] == [("parent.demo", "reminder")]

    frozen.advance(later(days=3))
    assert timers.fire_due() == 1
    assert [(user, kind) for user, kind, _ in notices(case_id)] == [("parent.demo", "reminder"),
                                                                   ("ecole.demo", "escalation")]
    assert "T3_ParentDocs" in pending(case_id)


def test_control_deadline_escalates_to_region(frozen):
    case_id = declare(START)
    walk(case_id, TO_CONTROL)
    assert case_row(case_id).next_timer_at == START + later(days=7)

    frozen.advance(later(days=7, seconds=1))
    assert timers.fire_due() == 1
    assert [(user, kind) for user, kind, _ in notices(case_id)] == [("region.demo", "escalation")]
    assert "T6_Control" in pending(case_id)


def test_missed_cycle_reminders_grouped_once(frozen, monkeypatch):
    bundle = versions.bundle_for(versions.require_latest())
    monkeypatch.setitem(bundle.settings, "completion_reminder_count", 3)
    case_id = declare(START)
    walk(case_id, TO_PARENT_COMPLETION)
    assert case_row(case_id).next_timer_at == START + later(days=7)

    # The scheduler was down through the 7th, 14th and 21st day.
    frozen.advance(later(days=22))
    assert timers.fire_due() == 1
    reminders = notices(case_id)
    assert len(reminders) == 1
    username, kind, params = reminders[0]
    assert (username, kind) == ("parent.demo", "reminder")
    assert params["late"] is True
    assert params["missed"] == 3
    assert timers.fire_due() == 0
    assert "T6b_ParentComplete" in pending(case_id)
    assert case_row(case_id).next_timer_at == START + later(days=60)


def test_cycle_reminder_on_time_not_late(frozen):
    case_id = declare(START)
    walk(case_id, TO_PARENT_COMPLETION)

    frozen.advance(later(days=7, hours=0.001))
    assert timers.fire_due() == 1
    frozen.advance(later(days=7))
    assert timers.fire_due() == 1
    reminders = notices(case_id)
    assert [(user, kind) for user, kind, _ in reminders] == [("parent.demo", "reminder")] * 2
    assert [params["late"] for _, _, params in reminders] == [False, False]
    assert [params["missed"] for _, _, params in reminders] == [1, 1]


def test_silence_counts_as_acceptance(frozen):
    case_id = declare(START)
    walk(case_id, TO_PARENT_REACTION)
    assert "T_ParentReaction" in pending(case_id)

    frozen.advance(later(days=30))
    assert timers.fire_due() == 0
    assert case_row(case_id).state == "open"

    frozen.advance(timedelta(seconds=1))
    assert timers.fire_due() == 1
    case = case_row(case_id)
    assert case.state == "closed"
    assert case.end_state == "closed_insurer"
    assert case.next_timer_at is None
    _bundle, wf = steps.load(case)
    data = workflow.case_data(wf)
    assert data["parent_answer"] == "accept"
    assert data["answer_by_silence"] is True
    assert pending(case_id) == {}


def test_answer_before_deadline_cancels_silence(frozen):
    case_id = declare(START)
    walk(case_id, TO_PARENT_REACTION + [("T_ParentReaction", {"parent_answer": "accept"})])
    case = case_row(case_id)
    assert case.end_state == "closed_insurer"
    _bundle, wf = steps.load(case)
    assert workflow.case_data(wf)["answer_by_silence"] is False


def test_incomplete_file_suspended_after_60_days(frozen):
    case_id = declare(START)
    walk(case_id, TO_PARENT_COMPLETION)

    frozen.advance(later(days=59))
    timers.fire_due()
    assert case_row(case_id).state == "open"

    frozen.advance(later(days=1, seconds=1))
    assert timers.fire_due() == 1
    case = case_row(case_id)
    assert case.state == "closed"
    assert case.end_state == "suspended"
    assert pending(case_id) == {}
    alerts = [user for user, kind, _ in notices(case_id) if kind == "alert"]
    assert sorted(alerts) == ["parent.demo", "province.demo"]


def test_insurer_deadline_escalates_to_region(frozen):
    case_id = declare(START)
    walk(case_id, TO_CONTROL + [("T6_Control", {"control_decision": "complete"}), ("T7_ToInsurer", {})])
    assert case_row(case_id).next_timer_at == START + later(days=90)

    frozen.advance(later(days=90, seconds=1))
    assert timers.fire_due() == 1
    assert [(user, kind) for user, kind, _ in notices(case_id)] == [("region.demo", "escalation")]
    assert "T_InsurerAnswer" in pending(case_id)


def test_payment_deadline_reminds_payer(frozen):
    case_id = declare(START)
    walk(case_id, [
        ("T2_Finalise", {}),
        ("T3_ParentDocs", {}),
        ("T4_Healing", {"ipp_rate": 15}),
        ("T5_Submit", {}),
        ("T6_Control", {"control_decision": "complete"}),
        ("T7_ToInsurer", {}),
        ("T_InsurerAnswer", {"insurer_outcome": "rejected"}),
        ("T_Committee", {"committee_outcome": "maintained"}),
        ("T9_LegalReview", {"eligible": True, "expertise_needed": False}),
        ("T11_Proposal", {"proposed_amount": 12000}),
        ("T12_DecideRegion", {"decision": "approve", "decided_amount": 12000}),
        ("T_ParentReaction", {"parent_answer": "accept"}),
    ])
    assert "T13_Payment" in pending(case_id)

    frozen.advance(later(days=30, seconds=1))
    assert timers.fire_due() == 1
    assert [(user, kind) for user, kind, _ in notices(case_id)] == [("region.demo", "reminder")]
    assert "T13_Payment" in pending(case_id)
