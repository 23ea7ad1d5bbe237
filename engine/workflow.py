"""A small workflow API over SpiffWorkflow: start, list ready tasks, complete, wake timers, save and restore.

Functions take and return plain data. A saved workflow is JSON without the process definition, which is
restored from the already parsed ProcessBundle.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timezone
from datetime import time as time_of_day
from decimal import Decimal
from importlib.metadata import version as package_version
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import StandardLoopTask
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .bundle import ProcessBundle
from .errors import EngineError, ScriptError, TaskNotReady, WorkflowStalled
from .sandbox import DEFAULT_TIMEOUT_SECONDS, SandboxEnvironment, SandboxScriptEngine, clean_task_data

ENGINE_FORMAT = 1
SPIFFWORKFLOW_VERSION = package_version('SpiffWorkflow')
# The iterator's default of 1000 hides READY tasks deep in a long-running tree; this is only a guard.
MAX_DEPTH = 1_000_000
_TIMER_TYPES = ('TimeDateEventDefinition', 'DurationTimerEventDefinition', 'CycleTimerEventDefinition')


def make_script_engine(timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS, clock=None) -> SandboxScriptEngine:
    """Build a sandboxed script engine with a CPU time bound and an optional clock for today()/now()."""
    return SandboxScriptEngine(SandboxEnvironment(timeout_seconds=timeout_seconds, clock=clock))


@dataclass
class ReadyTask:
    """A READY human task, as the application shows it."""

    id: str
    bpmn_id: str
    title: str | None
    lane: str | None
    role: str | None
    form: str | None
    ui_form: str | None
    status: str | None
    due_at: datetime | None
    documentation: str | None
    data: dict


# ------------------------------------------------------------------------------------------ running

def _wrap_errors(action):
    """Run ``action`` and turn SpiffWorkflow and script failures into ScriptError with the element id."""
    try:
        return action()
    except EngineError:
        raise
    except SpiffWorkflowException as error:
        raise _script_error(error) from error
    except RecursionError as error:
        raise EngineError('the workflow is nested too deeply to run (recursion limit reached)',
                          code='workflow_too_deep',
                          hint='model rework loops as looped sub-processes instead of flows that go back') \
            from error


def _script_error(error: SpiffWorkflowException) -> ScriptError:
    task_spec = getattr(error, 'task_spec', None)
    element_id = getattr(task_spec, 'bpmn_id', None) or getattr(task_spec, 'name', None)
    cause = getattr(error, 'exception', None) or error.__cause__ or error.__context__
    file_name = getattr(task_spec, 'filename', None) if task_spec else None
    line = getattr(error, 'line_number', None) or None
    if isinstance(cause, ScriptError):
        # Keep the sandbox's own class (SandboxViolation, ScriptTimeout) and add where it happened.
        result = type(cause)(cause.message, element_id=element_id, line=line or cause.line,
                             error_type=cause.error_type or type(cause).__name__, file=file_name,
                             hint=cause.hint, code=cause.code)
        return result
    error_type = getattr(error, 'error_type', None) or (type(cause).__name__ if cause else type(error).__name__)
    where = f'element {element_id}' if element_id else 'the workflow'
    line_text = f' on line {line}' if line else ''
    detail = str(cause) if cause is not None else str(error)
    return ScriptError(f'{where} failed{line_text}: {error_type}: {detail}', element_id=element_id, line=line,
                       error_type=error_type, file=file_name,
                       hint='fix the script, condition or timer of that element, or the data it reads')


def _advance(wf: BpmnWorkflow) -> None:
    _wrap_errors(wf.do_engine_steps)
    prune_loop_iterations(wf)


def _remove_subtree(wf: BpmnWorkflow, task) -> int:
    removed = 0
    for child_id in list(task._children):
        child = task.workflow.tasks.get(child_id)
        if child is not None:
            removed += _remove_subtree(wf, child)
    if task.id in wf.subprocesses:
        wf.delete_subprocess(task)
    task.workflow.tasks.pop(task.id, None)
    return removed + 1


def prune_loop_iterations(wf: BpmnWorkflow) -> int:
    """Drop the finished iterations of standard-loop activities from the task tree; return the tasks removed.

    SpiffWorkflow keeps every finished iteration as a child of the loop task. Each step then scans, and each
    save writes, the whole history, so a long rework loop costs the square of its length. The loop task keeps
    the merged data and the iteration count (``internal_data['merged']``), so loop conditions, loopMaximum and
    the data of later tasks are unaffected. The application keeps its own audit log.
    """
    removed = 0
    workflows = [wf, *wf.subprocesses.values()]
    for workflow in workflows:
        for task in list(workflow.tasks.values()):
            if not isinstance(task.task_spec, StandardLoopTask) or len(task._children) < 2:
                continue
            merged = set(task.internal_data.get('merged', []))
            for child_id in list(task._children):
                child = workflow.tasks.get(child_id)
                if child is None or str(child_id) not in merged or child.state != TaskState.COMPLETED:
                    continue
                if wf.last_task is not None and wf.last_task.workflow is workflow and wf.last_task.id == child_id:
                    continue
                removed += _remove_subtree(wf, child)
                task._children.remove(child_id)
    return removed


def _check_not_stalled(wf: BpmnWorkflow) -> None:
    if wf.completed:
        return
    # The first live task is enough, so stop the walk there.
    if wf.get_next_task(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED, max_depth=MAX_DEPTH):
        return
    raise WorkflowStalled('the workflow is not completed but has no ready or waiting task; '
                          'it cannot continue on its own',
                          hint='inspect the diagram for a path that ends without an end event')


def start(bundle: ProcessBundle, data: dict, *, script_engine) -> BpmnWorkflow:
    """Create a workflow from the bundle's parsed spec, seed ``data`` into the start task and run engine steps."""
    wf = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=script_engine)
    wf.bundle_sha256 = bundle.sha256
    start_task = wf.get_next_task(state=TaskState.READY)
    seed = copy.deepcopy(data)
    seed.setdefault('settings', copy.deepcopy(bundle.settings))
    clean_task_data(seed)
    start_task.data.update(seed)
    _advance(wf)
    _check_not_stalled(wf)
    return wf


def _lane_of(task) -> str | None:
    """Return the task's lane, or the lane of the activity that called its sub-process."""
    lane = task.task_spec.lane
    workflow = task.workflow
    while lane is None and workflow.parent_task_id is not None:
        caller = workflow.top_workflow.get_task_from_id(workflow.parent_task_id)
        lane = caller.task_spec.lane
        workflow = caller.workflow
    return lane


def parse_due(value) -> datetime | None:
    """Read an ISO date or date-time (with 'Z', an offset, or none meaning UTC) as aware UTC."""
    if value is None or value == '':
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time_of_day(0), timezone.utc)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(('Z', 'z')):
            text = text[:-1] + '+00:00'
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _ready_task(bundle: ProcessBundle, task, with_data: bool = True) -> ReadyTask:
    spec = task.task_spec
    properties = (spec.extensions or {}).get('properties', {}) if hasattr(spec, 'extensions') else {}
    lane = _lane_of(task)
    due_variable = properties.get('dueDateVariable')
    return ReadyTask(
        id=str(task.id), bpmn_id=spec.bpmn_id, title=spec.bpmn_name, lane=lane, role=bundle.lanes.get(lane),
        form=properties.get('formJsonSchemaFilename'), ui_form=properties.get('formUiSchemaFilename'),
        status=properties.get('status'),
        due_at=parse_due(task.data.get(due_variable)) if due_variable else None,
        documentation=spec.documentation, data=copy.deepcopy(task.data) if with_data else {})


def _ready_manual(wf: BpmnWorkflow) -> list:
    return wf.get_tasks(state=TaskState.READY, manual=True, max_depth=MAX_DEPTH)


def ready_tasks(bundle: ProcessBundle, wf: BpmnWorkflow, *, with_data: bool = True) -> list[ReadyTask]:
    """List the READY human tasks of the workflow, including those inside sub-processes.

    With ``with_data=False`` each task's ``data`` is left empty, which saves a deep copy per task.
    """
    return [_ready_task(bundle, task, with_data) for task in _ready_manual(wf)]


def ready_task(bundle: ProcessBundle, wf: BpmnWorkflow, task_id, *, copy_data: bool = True) -> ReadyTask | None:
    """Return the READY human task with id ``task_id``, or None when there is no such task.

    With ``copy_data=False`` the task's ``data`` is the workflow's own dictionary, to read and never to change.
    """
    try:
        uuid = task_id if isinstance(task_id, UUID) else UUID(str(task_id))
        task = wf.get_task_from_id(uuid)
    except (ValueError, TaskNotFoundException):
        return None
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        return None
    ready = _ready_task(bundle, task, with_data=copy_data)
    if not copy_data:
        ready.data = task.data
    return ready


def complete(bundle: ProcessBundle, wf: BpmnWorkflow, task_id, data: dict) -> None:
    """Merge ``data`` into a READY human task, complete it and run engine steps until the workflow waits."""
    try:
        uuid = task_id if isinstance(task_id, UUID) else UUID(str(task_id))
    except ValueError:
        raise TaskNotReady(str(task_id), f'task id {task_id!r} is not a valid task id') from None
    try:
        task = wf.get_task_from_id(uuid)
    except TaskNotFoundException:
        task = None
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotReady(str(task_id), element_id=getattr(getattr(task, 'task_spec', None), 'bpmn_id', None))

    form = copy.deepcopy(data)
    clean_task_data(form)
    spec = task.task_spec
    if hasattr(spec, 'add_data_from_form'):
        spec.add_data_from_form(task, form)
    else:
        task.data.update(form)
    _wrap_errors(task.run)
    _advance(wf)
    _check_not_stalled(wf)


def refresh(wf: BpmnWorkflow) -> None:
    """Fire due timers and run engine steps."""
    _wrap_errors(wf.refresh_timers)
    _advance(wf)
    _check_not_stalled(wf)


# ------------------------------------------------------------------------------------------ queries

def start_form(bundle: ProcessBundle) -> str | None:
    """Return the form file named by the main process's start event (the declaration form), or None."""
    return bundle.start_form


def diagram_xml(bundle: ProcessBundle) -> str:
    """Return the XML of the diagram that defines the main process, as deployed (for display)."""
    return bundle.files[bundle.main_file].decode('utf-8')


def next_timer_at(wf: BpmnWorkflow) -> datetime | None:
    """Return the earliest due time of the waiting timer events as aware UTC, or None."""
    dues = []
    for event in wf.waiting_events():
        if event.event_type not in _TIMER_TYPES:
            continue
        value = event.value
        if isinstance(value, dict):
            value = value.get('next')
        if not isinstance(value, str):
            continue
        try:
            moment = TimerEventDefinition.parse_time_or_duration(value)
        except Exception:  # noqa: BLE001 - an unreadable value must not hide the other timers
            continue
        if isinstance(moment, datetime):
            dues.append(moment.astimezone(timezone.utc))
    return min(dues) if dues else None


def end_state(bundle: ProcessBundle, wf: BpmnWorkflow) -> str | None:
    """Return the endState property of the main process's completed end event, or None."""
    for task in wf.get_tasks(state=TaskState.COMPLETED, max_depth=MAX_DEPTH, skip_subprocesses=True):
        spec = task.task_spec
        if isinstance(spec, EndEvent) and task.workflow is wf:
            value = ((getattr(spec, 'extensions', None) or {}).get('properties') or {}).get('endState')
            if value:
                return value
    return None


def status(bundle: ProcessBundle, wf: BpmnWorkflow) -> str | None:
    """Return the status property of the first READY human task, or None."""
    for task in _ready_manual(wf):
        properties = (getattr(task.task_spec, 'extensions', None) or {}).get('properties') or {}
        if properties.get('status'):
            return properties['status']
    return None


def case_data(wf: BpmnWorkflow) -> dict:
    """Return a copy of the latest case data: the last completed task's data, or the workflow data."""
    if wf.last_task is not None:
        return copy.deepcopy(wf.last_task.data)
    return copy.deepcopy(wf.data)


# ------------------------------------------------------------------------------------ serialization

class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Workflow converter that stores state only; the specs come from the bundle on restore."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct['subprocesses'] = self.mapping_to_dict(workflow.subprocesses)
        dct['bpmn_events'] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        if spec is None:
            raise EngineError('restoring a workflow needs the process spec of its bundle', code='spec_missing')
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct['tasks'], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct['root']))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct['subprocesses'], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop('bpmn_events', []))
        return workflow


# Text of task ids, which every save writes for each task, its parent and its children.
_ID_TEXT: dict[UUID, str] = {}
_ID_TEXT_LIMIT = 200_000


def _id_text(task_id: UUID) -> str:
    text = _ID_TEXT.get(task_id)
    if text is None:
        if len(_ID_TEXT) >= _ID_TEXT_LIMIT:
            _ID_TEXT.clear()
        text = _ID_TEXT[task_id] = str(task_id)
    return text


class _TaskConverter(TaskConverter):
    """SpiffWorkflow's task converter with the same output, built with fewer lookups, since a save writes every
    task of the workflow."""

    def to_dict(self, task):
        parent_id = task._parent
        parent = task.workflow.tasks.get(parent_id) if parent_id is not None else None
        if parent is None:
            data, delta = task.data, {}
        else:
            before, after = parent.data, task.data
            data = {}
            delta = {
                'updates': {key: value for key, value in after.items() if key not in before or before[key] != value},
                'deletions': [key for key in before if key not in after],
            }
        internal = task.internal_data
        return {
            'id': _id_text(task.id),
            'parent': _id_text(parent_id) if parent is not None else None,
            'children': [_id_text(child) for child in task._children],
            'last_state_change': task.last_state_change,
            'state': task.state,
            'task_spec': task.task_spec.name,
            'triggered': task.triggered,
            'internal_data': self.registry.convert(internal) if internal else {},
            'data': data,
            'delta': delta,
        }


def _make_registry(*, reuse_saved_tasks: bool = False):
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _ReusingWorkflowConverter if reuse_saved_tasks else _SpeclessWorkflowConverter
    if reuse_saved_tasks:
        config[BpmnSubWorkflow] = _ReusingSubWorkflowConverter
    config[Task] = _TaskConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # The registry matches the exact class, so each type needs its own entry to keep a save from failing.
    registry.register(Decimal, lambda v: {'value': str(v)}, lambda d: Decimal(d['value']))
    registry.register(date, lambda v: {'value': v.isoformat()}, lambda d: date.fromisoformat(d['value']))
    registry.register(time_of_day, lambda v: {'value': v.isoformat()},
                      lambda d: time_of_day.fromisoformat(d['value']))
    return registry


# ---------------------------------------------------------------- saving only what changed since the last save

# A workflow keeps, under this attribute, the JSON text of each of its tasks from its last save, with the key
# that text was computed from (see _reuse_key). The next save of the same workflow object reuses the text of
# every task whose key is unchanged, and encodes only the others, filling the dict under _SAVING_TASKS.
_SAVED_TASKS = '_sanad_saved_tasks'
_SAVING_TASKS = '_sanad_saving_tasks'
_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED

# When true, every save also encodes the whole workflow afresh and fails if the two texts differ. The test suite
# sets SANAD_CHECK_WORKFLOW_SAVES=1, for its servers too, so every workflow it runs checks the reuse rules below.
check_reused_tasks = os.environ.get('SANAD_CHECK_WORKFLOW_SAVES') == '1'


class _Json(str):
    """Text that is already JSON, written as it is into the saved document."""


class _Container(dict):
    """A dict of the saved document that may hold _Json values, so it is encoded item by item."""


def _reuse_key(task) -> tuple | None:
    """Return what a task's saved text depends on, when that is cheap to compare, or None to encode it again.

    A finished task (completed or cancelled) under a finished parent no longer changes: SpiffWorkflow 3.2 gives
    each task a copy of its parent's data and writes task data only in the hooks of a task that runs or waits.
    Its text then depends only on its state, its links and the moment its state last changed. A task with
    neither data nor internal data (most often a predicted one) is saved as the list of its parent's keys, so
    their order joins the key.
    """
    parent = task.parent
    links = (task.state, task.last_state_change, task.triggered, task._parent, tuple(task._children))
    if task.state & _FINISHED and (parent is None or parent.state & _FINISHED):
        return links
    if not task.data and not task.internal_data:
        return links, tuple(parent.data) if parent is not None else None
    return None


class _ReusingConverterMixin:
    """Encode a workflow's tasks to JSON text at once, reusing the text of the last save where it still holds."""

    def to_dict(self, workflow):
        return _Container(super().to_dict(workflow))

    def mapping_to_dict(self, mapping, **kwargs):
        first = next(iter(mapping.values()), None)
        if not isinstance(first, Task):
            return _Container(super().mapping_to_dict(mapping, **kwargs))
        top = first.workflow.top_workflow
        saved, now = getattr(top, _SAVED_TASKS, {}), getattr(top, _SAVING_TASKS)
        convert = self.registry.convert
        parts = []
        for task_id, task in mapping.items():
            key = _reuse_key(task)
            entry = saved.get(task_id) if key is not None else None
            if entry is None or entry[0] != key:
                entry = (key, _ENCODE(convert(task)))
            if key is not None:
                now[task_id] = entry
            parts.append(f'"{_id_text(task_id)}":{entry[1]}')
        return _Json('{' + ','.join(parts) + '}')


class _ReusingWorkflowConverter(_ReusingConverterMixin, _SpeclessWorkflowConverter):
    pass


class _ReusingSubWorkflowConverter(_ReusingConverterMixin, BpmnSubWorkflowConverter):
    pass


def _encode_document(value) -> str:
    if isinstance(value, _Json):
        return value
    if isinstance(value, _Container):
        return '{' + ','.join(f'{_ENCODE(key)}:{_encode_document(item)}' for key, item in value.items()) + '}'
    return _ENCODE(value)


_SERIALIZER = BpmnWorkflowSerializer(_make_registry())
_REUSING_SERIALIZER = BpmnWorkflowSerializer(_make_registry(reuse_saved_tasks=True))
# allow_nan=False: PostgreSQL jsonb rejects NaN, so a save fails with the error in hand.
_ENCODE = _SERIALIZER._encoder_cls(allow_nan=False, separators=(',', ':')).encode


def _document(wf: BpmnWorkflow, state: dict) -> dict:
    return {
        'engine_format': ENGINE_FORMAT,
        'spiffworkflow_version': SPIFFWORKFLOW_VERSION,
        'serializer_version': SERIALIZER_VERSION,
        'process_id': wf.spec.name,
        'bundle_sha256': getattr(wf, 'bundle_sha256', None),
        'workflow': state,
    }


def dumps(wf: BpmnWorkflow) -> str:
    """Serialize the workflow's state (no spec) to JSON with format and library version keys.

    The text is the same as that of the whole workflow encoded afresh, but the tasks that cannot have changed
    since the last save of this workflow object keep the text they had then.
    """
    now: dict = {}
    setattr(wf, _SAVING_TASKS, now)
    try:
        text = _encode_document(_Container(_document(wf, _REUSING_SERIALIZER.to_dict(wf))))
    finally:
        delattr(wf, _SAVING_TASKS)
    setattr(wf, _SAVED_TASKS, now)
    if check_reused_tasks:
        fresh = _ENCODE(_document(wf, _SERIALIZER.to_dict(wf)))
        if text != fresh:
            raise AssertionError('a save reused the text of a task that changed since the last save')
    return text


_BUNDLE_KEY = '"bundle_sha256":"'


def saved_bundle_sha256(text: str) -> str | None:
    """Return the bundle hash that a text saved by ``dumps`` names, reading only its header."""
    start = text.find(_BUNDLE_KEY, 0, 400)
    if start < 0:
        return None
    start += len(_BUNDLE_KEY)
    end = text.find('"', start, start + 80)
    return text[start:end] if end > start else None


def loads(bundle: ProcessBundle, text: str | bytes, *, script_engine) -> BpmnWorkflow:
    """Restore a workflow saved by ``dumps`` using the bundle's parsed specs and attach ``script_engine``."""
    document = json.loads(text)
    engine_format = document.get('engine_format')
    if engine_format != ENGINE_FORMAT:
        raise EngineError(f'saved workflow has engine format {engine_format!r}; this engine reads format '
                          f'{ENGINE_FORMAT}', code='unsupported_format',
                          hint='migrate the stored instance before loading it')
    if document.get('process_id') != bundle.spec.name:
        raise EngineError(f'saved workflow belongs to process {document.get("process_id")!r}, not '
                          f'{bundle.spec.name!r}', code='bundle_mismatch',
                          hint='load it with the process version it was started on')
    saved_sha = document.get('bundle_sha256')
    if saved_sha is not None and saved_sha != bundle.sha256:
        raise EngineError(f'saved workflow was started on bundle {saved_sha[:12]}…, not {bundle.sha256[:12]}…',
                          code='bundle_mismatch', hint='load it with the process version it was started on')
    state = document['workflow']
    serializer_version = document.get('serializer_version')
    if serializer_version != SERIALIZER_VERSION:
        # NOTE: SpiffWorkflow 3.2.0's own migrations fail on instances with sub-processes. Test them first.
        state['serializer_version'] = serializer_version
        _SERIALIZER.migrate(state)
    wf = _SERIALIZER.registry.restore(state, spec=bundle.spec, subprocess_specs=bundle.subprocess_specs)
    wf.script_engine = script_engine
    wf.bundle_sha256 = bundle.sha256
    return wf
