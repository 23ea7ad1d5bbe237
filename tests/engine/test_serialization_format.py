"""The saved workflow keeps SpiffWorkflow's own format: the faster task converter writes what the stock one does,
and a save that reuses the text of unchanged tasks writes what encoding the whole workflow does."""

from __future__ import annotations

import pytest
from school_accident_driver import Case, load_process_bundle
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine import workflow

STEPS = [('T2_Finalise', {}), ('T3_ParentDocs', {}), ('T4_Healing', {'ipp_rate': 5}), ('T5_Submit', {}),
         ('T6_Control', {'control_decision': 'complete'}), ('T7_ToInsurer', {}),
         ('T_InsurerAnswer', {'insurer_outcome': 'more_documents', 'requested_documents': 'Invoice'}),
         ('T_InsurerDocs', {}), ('T7_ToInsurer', {}),
         ('T_InsurerAnswer', {'insurer_outcome': 'paid', 'amount_paid': 4200}), ('T8_RecordSettlement', {}),
         ('T_ParentReaction', {'parent_answer': 'accept'})]


@pytest.fixture(scope='module')
def stock_serializer():
    registry = workflow._make_registry()
    TaskConverter(Task, registry, registry.typenames[Task])
    return BpmnWorkflowSerializer(registry)


def test_task_converter_matches_stock_output(stock_serializer):
    case = Case(load_process_bundle(), insured=True, pupil_insured=True)
    compared = 0
    for bpmn_id, data in STEPS:
        case.step(bpmn_id, **data)

        assert workflow._SERIALIZER.to_dict(case.wf) == stock_serializer.to_dict(case.wf), f'after {bpmn_id}'
        compared += 1

    assert case.is_completed
    assert compared == len(STEPS)


def _fresh_text(wf) -> str:
    return workflow._ENCODE(workflow._document(wf, workflow._SERIALIZER.to_dict(wf)))


def test_save_reuses_unchanged_tasks(monkeypatch):
    # One workflow object goes from step to step, as in a server's pool; the driver otherwise restores it after
    # each step. The texts are compared here, whatever the suite's setting.
    monkeypatch.setattr(workflow, 'check_reused_tasks', False)
    monkeypatch.setattr(Case, '_round_trip', lambda case: case.wf)
    case = Case(load_process_bundle(), insured=True, pupil_insured=True)
    workflow.dumps(case.wf)
    reused = []
    for bpmn_id, data in STEPS:
        case.step(bpmn_id, **data)
        saved_before = getattr(case.wf, workflow._SAVED_TASKS)
        text = workflow.dumps(case.wf)

        assert text == _fresh_text(case.wf), f'after {bpmn_id}'
        now = getattr(case.wf, workflow._SAVED_TASKS)
        reused.append(sum(1 for task_id, entry in now.items() if saved_before.get(task_id) is entry))

    # Many tasks of a running case are finished or only predicted, so their text is not encoded again.
    assert min(reused) > 0


def test_restored_workflow_saves_same_text():
    bundle = load_process_bundle()
    case = Case(bundle, insured=True, pupil_insured=True)
    for bpmn_id, data in STEPS[:6]:
        case.step(bpmn_id, **data)
    text = workflow.dumps(case.wf)
    restored = workflow.loads(bundle, text, script_engine=case.wf.script_engine)

    assert workflow.dumps(restored) == text
    assert workflow.dumps(restored) == text


def test_check_catches_stale_reuse(monkeypatch):
    monkeypatch.setattr(workflow, 'check_reused_tasks', True)
    case = Case(load_process_bundle(), insured=True, pupil_insured=True)
    for bpmn_id, data in STEPS[:3]:
        case.step(bpmn_id, **data)
    workflow.dumps(case.wf)
    finished = next(task for task in case.wf.get_tasks(state=TaskState.COMPLETED) if task.parent is not None
                    and task.parent.state == TaskState.COMPLETED and task.data)
    # SpiffWorkflow leaves a finished task's data alone. A change behind its back must not go unnoticed.
    finished.data['changed_behind_the_engine'] = True

    with pytest.raises(AssertionError, match='reused the text'):
        workflow.dumps(case.wf)
