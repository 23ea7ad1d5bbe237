"""Workflow API: start, ready tasks, complete, timers, errors, save and restore."""

import json
import time
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine import workflow as engine_workflow
from engine.bundle import clear_cache, load_bundle, read_folder
from engine.errors import EngineError, SandboxViolation, ScriptError, ScriptTimeout, TaskNotReady, WorkflowStalled
from engine.workflow import (
    ENGINE_FORMAT,
    case_data,
    complete,
    dumps,
    end_state,
    loads,
    make_script_engine,
    next_timer_at,
    parse_due,
    ready_tasks,
    refresh,
    start,
    status,
)

DATA = Path(__file__).resolve().parents[2] / 'tests' / 'data'
CLOCK = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
SEED = {'declared_at': '2026-11-03T10:00:00Z', 'case_reference': 'AS-2026-000042', 'school_is_public': True,
        'pupil_insured': True, 'guardian_has_account': False}


def bundle_of(behaviour, **replacements):
    files = read_folder(DATA / behaviour)
    for name, (old, new) in replacements.items():
        files[name] = files[name].replace(old.encode(), new.encode())
    return load_bundle(files)


@pytest.fixture
def engine():
    return make_script_engine(clock=lambda: CLOCK)


def round_trip(bundle, wf, engine):
    """Save and restore ``wf``, checking that nothing visible changes."""
    before = ready_tasks(bundle, wf)
    restored = loads(bundle, dumps(wf), script_engine=engine)
    assert ready_tasks(bundle, restored) == before
    assert case_data(restored) == case_data(wf)
    assert restored.completed == wf.completed
    return restored


def test_simple_form_to_end_with_round_trips(engine):
    bundle = bundle_of('simple_form')
    wf = start(bundle, SEED, script_engine=engine)
    wf = round_trip(bundle, wf, engine)

    tasks = ready_tasks(bundle, wf)
    assert [t.bpmn_id for t in tasks] == ['Declare']
    declare = tasks[0]
    assert (declare.title, declare.lane, declare.role) == ('Complete the declaration', 'School', 'school')
    assert declare.form == 'declare.schema.json'
    assert declare.documentation == 'Describe the accident.'
    assert declare.data['settings'] == {'review_days': 10}
    assert declare.data['case_reference'] == 'AS-2026-000042'
    assert status(bundle, wf) == 'declaration_pending'

    complete(bundle, wf, declare.id, {'hospitalised': True, 'injuries': ['leg', 'arm']})
    wf = round_trip(bundle, wf, engine)
    review = ready_tasks(bundle, wf)[0]
    assert (review.bpmn_id, review.role, review.ui_form) == ('Review', 'province', 'review.uischema.json')
    assert review.due_at == datetime(2026, 11, 13, 10, 0, tzinfo=timezone.utc)
    assert review.data['summary'] == {'count': 2, 'first': 'arm'}
    assert review.data['review_opened_at'] == '2026-11-20T09:00:00Z'
    assert status(bundle, wf) == 'under_control'
    assert end_state(bundle, wf) is None

    complete(bundle, wf, review.id, {'approved': True})
    wf = round_trip(bundle, wf, engine)
    assert wf.completed
    assert end_state(bundle, wf) == 'closed_insurer'
    assert status(bundle, wf) is None
    assert case_data(wf)['review_days_taken'] == 17
    assert ready_tasks(bundle, wf) == []


def test_default_branch_end_state(engine):
    bundle = bundle_of('simple_form')
    wf = start(bundle, SEED, script_engine=engine)
    complete(bundle, wf, ready_tasks(bundle, wf)[0].id, {'hospitalised': False, 'injuries': []})
    assert wf.completed
    assert end_state(bundle, wf) == 'out_of_scope'


def test_complete_rejects_task_not_ready(engine):
    bundle = bundle_of('simple_form')
    wf = start(bundle, SEED, script_engine=engine)
    declare = ready_tasks(bundle, wf)[0]
    complete(bundle, wf, declare.id, {'hospitalised': True, 'injuries': ['arm']})
    with pytest.raises(TaskNotReady) as caught:
        complete(bundle, wf, declare.id, {'hospitalised': False})
    assert caught.value.task_id == declare.id
    with pytest.raises(TaskNotReady):
        complete(bundle, wf, '00000000-0000-0000-0000-000000000000', {})
    with pytest.raises(TaskNotReady):
        complete(bundle, wf, 'not-a-uuid', {})


def test_runtime_script_failure_names_element(engine):
    bundle = bundle_of('simple_form')
    wf = start(bundle, {'case_reference': 'AS-2026-000001'}, script_engine=engine)
    with pytest.raises(ScriptError) as caught:
        complete(bundle, wf, ready_tasks(bundle, wf)[0].id, {'hospitalised': True, 'injuries': []})
    assert caught.value.element_id == 'Compute'
    assert caught.value.error_type == 'NameError'
    assert caught.value.line == 1
    assert 'declared_at' in caught.value.message


def test_runtime_condition_failure_names_element(engine):
    bundle = bundle_of('simple_form', **{'school_accident.bpmn': ('hospitalised == True and', 'missing_flag and')})
    wf = start(bundle, SEED, script_engine=engine)
    with pytest.raises(ScriptError) as caught:
        complete(bundle, wf, ready_tasks(bundle, wf)[0].id, {'hospitalised': True, 'injuries': ['arm']})
    assert caught.value.element_id == 'Hospitalised'


def test_runtime_timeout_is_script_timeout():
    bundle = bundle_of('simple_form', **{'school_accident.bpmn': ('injury_count = len(injuries)',
                                                                   'while True: pass')})
    engine = make_script_engine(timeout_seconds=0.3)
    wf = start(bundle, SEED, script_engine=engine)
    started = time.monotonic()
    with pytest.raises(ScriptTimeout) as caught:
        complete(bundle, wf, ready_tasks(bundle, wf)[0].id, {'hospitalised': True, 'injuries': []})
    assert time.monotonic() - started < 2
    assert caught.value.element_id == 'Compute'


def test_runtime_violation_is_sandbox_violation(engine):
    bundle = bundle_of('simple_form', **{'school_accident.bpmn': ('injury_count = len(injuries)',
                                                                   "injury_count = len(injuries * 10**9)")})
    wf = start(bundle, SEED, script_engine=engine)
    with pytest.raises(SandboxViolation) as caught:
        complete(bundle, wf, ready_tasks(bundle, wf)[0].id, {'hospitalised': True, 'injuries': ['a']})
    assert caught.value.element_id == 'Compute'


def test_stalled_workflow_detected(engine):
    bundle = bundle_of('simple_form')
    wf = start(bundle, SEED, script_engine=engine)
    task = wf.get_next_task(state=TaskState.READY, manual=True)
    task._set_state(TaskState.FUTURE)
    with pytest.raises(WorkflowStalled) as caught:
        refresh(wf)
    assert caught.value.code == 'workflow_stalled'


def test_dates_and_decimals_do_not_break_saving(engine):
    bundle = bundle_of('simple_form')
    wf = start(bundle, dict(SEED, accident_date=date(2026, 11, 2), amount=Decimal('12.50')), script_engine=engine)
    data = ready_tasks(bundle, wf)[0].data
    assert data['accident_date'] == '2026-11-02'
    assert data['amount'] == 12.5
    # Values put into task data behind the engine's back still save.
    wf.get_next_task(state=TaskState.READY, manual=True).data['raw'] = Decimal('1.10')
    restored = loads(bundle, dumps(wf), script_engine=engine)
    assert ready_tasks(bundle, restored)[0].data['raw'] == Decimal('1.10')


def test_nan_in_data_is_rejected(engine):
    bundle = bundle_of('simple_form')
    with pytest.raises(ValueError):
        start(bundle, dict(SEED, ratio=float('nan')), script_engine=engine)


def test_dumps_contains_no_spec_and_has_versions(engine):
    bundle = bundle_of('simple_form')
    wf = start(bundle, SEED, script_engine=engine)
    text = dumps(wf)
    document = json.loads(text)
    assert document['engine_format'] == ENGINE_FORMAT
    assert document['spiffworkflow_version'] == '3.2.0'
    assert document['serializer_version'] == '1.5'
    assert document['bundle_sha256'] == bundle.sha256
    assert 'spec' not in document['workflow']
    assert 'subprocess_specs' not in document['workflow']
    assert 'task_specs' not in text
    stock = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(wf)
    assert len(text) < len(stock) / 2


def test_loads_rejects_other_bundle_and_format(engine):
    bundle = bundle_of('simple_form')
    other = bundle_of('plain_iso_timer')
    text = dumps(start(bundle, SEED, script_engine=engine))
    with pytest.raises(EngineError) as caught:
        loads(other, text, script_engine=engine)
    assert caught.value.code == 'bundle_mismatch'
    document = json.loads(text)
    document['engine_format'] = 99
    with pytest.raises(EngineError) as caught:
        loads(bundle, json.dumps(document), script_engine=engine)
    assert caught.value.code == 'unsupported_format'


def test_loads_into_freshly_parsed_bundle(engine):
    bundle = bundle_of('looped_rework')
    wf = start(bundle, {}, script_engine=engine)
    for _ in range(2):
        complete(bundle, wf, ready_tasks(bundle, wf)[0].id, {'note': 'first'})
        complete(bundle, wf, ready_tasks(bundle, wf)[0].id, {'rework_needed': True})
    text = dumps(wf)
    clear_cache()
    fresh = bundle_of('looped_rework')
    assert fresh is not bundle
    wf = loads(fresh, text, script_engine=engine)
    complete(fresh, wf, ready_tasks(fresh, wf)[0].id, {'note': 'last'})
    complete(fresh, wf, ready_tasks(fresh, wf)[0].id, {'rework_needed': False})
    assert wf.completed
    assert case_data(wf)['passes'] == 3


def test_looped_rework_500_passes_stays_cheap(engine):
    bundle = bundle_of('looped_rework')
    wf = start(bundle, {}, script_engine=engine)
    durations = []
    for index in range(500):
        started = time.perf_counter()
        complete_file = ready_tasks(bundle, wf)
        assert [(t.bpmn_id, t.role) for t in complete_file] == [('Complete_file', 'school')]
        complete(bundle, wf, complete_file[0].id, {'note': f'pass {index}'})
        control = ready_tasks(bundle, wf)
        assert [(t.bpmn_id, t.role) for t in control] == [('Control', 'province')]
        complete(bundle, wf, control[0].id, {'rework_needed': index < 499})
        durations.append(time.perf_counter() - started)
        if index % 100 == 0:
            wf = round_trip(bundle, wf, engine)
    assert wf.completed
    assert case_data(wf)['passes'] == 500
    assert end_state(bundle, wf) == 'closed_insurer'
    first = sorted(durations[:20])[10]
    last = sorted(durations[-20:])[10]
    print(f'median step time: first passes {first * 1000:.2f} ms, last passes {last * 1000:.2f} ms')
    assert last < first * 3 + 0.002
    assert len(dumps(wf)) < 100_000


def test_plain_iso_timer_fires_after_clock_moves(engine):
    bundle = bundle_of('plain_iso_timer')
    wf = start(bundle, {}, script_engine=engine)
    assert ready_tasks(bundle, wf) == []
    due = next_timer_at(wf)
    assert due is not None and due.tzinfo is not None
    assert 0 < (due - datetime.now(timezone.utc)).total_seconds() <= 1.1
    text = dumps(wf)
    time.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds()) + 0.05)
    wf = loads(bundle, text, script_engine=engine)
    refresh(wf)
    assert [t.bpmn_id for t in ready_tasks(bundle, wf)] == ['Acknowledge']
    reminder = next_timer_at(wf)
    assert 6.9 < (reminder - datetime.now(timezone.utc)).total_seconds() / 86400 <= 7
    complete(bundle, wf, ready_tasks(bundle, wf)[0].id, {'seen': True})
    assert wf.completed
    assert next_timer_at(wf) is None


def test_call_activity_task_resolves_caller_lane(engine):
    bundle = bundle_of('call_activity_lane')
    wf = start(bundle, {}, script_engine=engine)
    wf = round_trip(bundle, wf, engine)
    upload = ready_tasks(bundle, wf)[0]
    assert (upload.bpmn_id, upload.lane, upload.role, upload.status) == ('Upload', 'Parent', 'parent',
                                                                         'awaiting_parent')
    complete(bundle, wf, upload.id, {'certificate': 'document:12'})
    assert wf.completed
    assert case_data(wf)['certificate'] == 'document:12'


@pytest.mark.parametrize('value, expected', [
    ('2026-11-13T10:00:00Z', datetime(2026, 11, 13, 10, tzinfo=timezone.utc)),
    ('2026-11-13T11:00:00+01:00', datetime(2026, 11, 13, 10, tzinfo=timezone.utc)),
    ('2026-11-13', datetime(2026, 11, 13, tzinfo=timezone.utc)),
    ('not a date', None),
    (None, None),
])
def test_parse_due(value, expected):
    assert parse_due(value) == expected


def test_script_engine_uses_timeout_and_clock():
    engine = make_script_engine(timeout_seconds=0.7, clock=lambda: CLOCK)
    assert engine.timeout_seconds == 0.7
    assert engine.clock() == CLOCK


def test_start_form_and_diagram_xml():
    bundle = bundle_of('simple_form')
    assert engine_workflow.start_form(bundle) == 'start.schema.json'
    assert engine_workflow.diagram_xml(bundle).startswith('<?xml')
    assert 'id="school_accident"' in engine_workflow.diagram_xml(bundle)


def test_module_exposes_format_version():
    assert engine_workflow.ENGINE_FORMAT == 1
