"""The saved workflow keeps SpiffWorkflow's own format: the faster task converter writes what the stock one does."""

from __future__ import annotations

import pytest
from school_accident_driver import Case, load_process_bundle
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.task import Task

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
