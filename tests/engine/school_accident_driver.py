"""Drive a school-accident case through processes/ with the engine API, one validated form at a time.

Every step builds the task's form as the application serves it, checks the submitted data against it, completes
the task, then saves and restores the workflow and checks that the ready tasks and the case data survived.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import forms
from engine import workflow
from engine.bundle import ProcessBundle, load_bundle, read_folder

PROCESSES = Path(__file__).resolve().parents[2] / 'processes'

# SpiffWorkflow computes timer events from the real clock. The case clock is therefore the real time at import,
# and the accident happened an hour earlier, so due dates lie in the future and no timer fires during a test.
NOW = datetime.now(timezone.utc).replace(microsecond=0)
TODAY = NOW.date()
ACCIDENT_AT = NOW - timedelta(hours=1)
ACCIDENT_DAY = ACCIDENT_AT.date()
PUPIL = 'J130012345'
ROSTER = {'school_roster': [(PUPIL, 'Alaoui Yasmine (J130012345, CE6)')]}
DECLARATION_FIELDS = frozenset(
    json.loads((PROCESSES / 'forms' / 'declaration.schema.json').read_text(encoding='utf-8'))['properties'])


def iso_day(day: date) -> str:
    """Format a date as the ISO string the forms and the diagram use."""
    return day.isoformat()


def iso_moment(moment: datetime) -> str:
    """Format an aware datetime as ISO 8601 UTC with a 'Z'."""
    return moment.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def load_process_bundle() -> ProcessBundle:
    """Load processes/ as deployed; the bundle cache makes repeated loads of the same files cheap."""
    return load_bundle(read_folder(PROCESSES))


def bundle_with_settings(**changes) -> ProcessBundle:
    """Load processes/ with some values of settings.json replaced."""
    files = read_folder(PROCESSES)
    settings = json.loads(files['settings.json'])
    settings.update(changes)
    files['settings.json'] = json.dumps(settings).encode('utf-8')
    return load_bundle(files)


def declaration(**overrides) -> dict:
    """Return the fields of a complete, valid declaration form of a minor recess accident, with overrides."""
    fields = {
        'pupil': PUPIL,
        'accident_date': iso_day(ACCIDENT_DAY),
        'accident_time': ACCIDENT_AT.strftime('%H:%M:00'),
        'place': 'Schoolyard',
        'activity': 'recess',
        'circumstances': 'The pupil slipped on the wet floor of the schoolyard during the morning break.',
        'injury_nature': 'Sprain',
        'body_part': 'Left ankle',
        'first_aid': 'first_aid_at_school',
        'guardian_notified': True,
        'guardian_notified_at': iso_moment(ACCIDENT_AT + timedelta(minutes=20)),
        'severity': 'minor',
        'several_victims': False,
        'third_party_violence': False,
        'road_accident': False,
        'insured': False,
        'supervisor_name': 'Karim Bennani',
        'supervisor_function': 'Teacher on duty',
    }
    fields.update(overrides)
    return fields


def start_data(**overrides) -> dict:
    """Return the seed data of a new case, which is the declaration plus the keys the application adds.

    Overrides named in the declaration form change the declaration. The others replace or add application keys
    such as `school_is_public`, `pupil_insured`, `guardian_has_account`, `case_reference` and `declared_at`.
    """
    extras = {
        'case_reference': 'AS-2026-000042',
        'school_is_public': True,
        'pupil_insured': False,
        'guardian_has_account': True,
        'declared_at': iso_moment(NOW),
    }
    fields = declaration(**{key: value for key, value in overrides.items() if key in DECLARATION_FIELDS})
    extras.update({key: value for key, value in overrides.items() if key not in DECLARATION_FIELDS})
    return {**fields, **extras}


def _document(case: Case) -> str:
    case.documents += 1
    return f'document:{case.documents}'


def _default_fields(case: Case, form_name: str) -> dict:
    """Return valid values for the fields of `form_name` that no path decision depends on."""
    today = iso_day(TODAY)

    def document() -> str:
        return _document(case)

    # Builders, so only the chosen form draws document numbers.
    defaults = {
        'finalise_declaration.schema.json': lambda: {
            'circumstantial_report': 'The floor had just been washed; the supervisor saw the fall.',
            'school_accident_certificate': document(), 'director_confirmation': True},
        'administrative_inquiry.schema.json': lambda: {
            'inquiry_date': today, 'inquiry_findings': 'Supervision was in place; no staff fault found.',
            'inquiry_report': document(), 'staff_fault': False},
        'death_documents.schema.json': lambda: {
            'death_certificate': document(), 'heirs_deed': document(), 'funeral_invoices': document(),
            'birth_certificate': document(), 'guardian_cin_copy': document(), 'guardian_cin_number': 'AB123456',
            'rib_document': document(), 'rib_number': '0' * 24},
        'parent_documents.schema.json': lambda: {
            'initial_certificate': document(), 'initial_certificate_date': iso_day(ACCIDENT_DAY),
            'birth_certificate': document(), 'guardian_cin_copy': document(), 'guardian_cin_number': 'AB123456',
            'rib_document': document(), 'rib_number': '0' * 24},
        'healing_certificate.schema.json': lambda: {
            'healing_certificate': document(), 'healing_date': today, 'ipp_rate': 0},
        'submit_file.schema.json': lambda: {'checklist_confirmed': True},
        'completeness_control.schema.json': dict,
        'complete_file.schema.json': lambda: {'completion_other_document': document()},
        'transmit_to_insurer.schema.json': lambda: {
            'transmission_date': today, 'insurer_file_reference': 'SAN-2026-0042'},
        'insurer_answer.schema.json': lambda: {'insurer_answer_date': today},
        'insurer_documents.schema.json': lambda: {'insurer_document_1': document()},
        'regional_committee.schema.json': lambda: {'committee_date': today, 'committee_minutes': document()},
        'record_settlement.schema.json': lambda: {
            'settlement_notice': document(), 'settlement_amount': 4200, 'settlement_date': today,
            'settlement_reference': 'SAN-PAY-0042'},
        'legal_review.schema.json': lambda: {'eligible': True, 'expertise_needed': False, 'pending_lawsuit': False},
        'medical_expertise.schema.json': lambda: {
            'expert_name': 'Dr Salma Idrissi', 'expertise_date': today, 'expertise_report': document()},
        'compensation_proposal.schema.json': lambda: {
            'proposed_amount': 20000, 'computation_note': 'Lump sum for the IPP rate on the expert report.'},
        'compensation_decision.schema.json': lambda: {
            'decision_reference': 'DEC-2026-0042', 'decision_date': today, 'signed_decision': document()},
        'inform_no_entitlement.schema.json': lambda: {
            'informed_at': iso_moment(NOW), 'information_channel': 'letter'},
        'parent_reaction.schema.json': dict,
        'administrative_recourse.schema.json': dict,
        'litigation.schema.json': lambda: {
            'court_name': 'Administrative court of Rabat', 'court_case_number': '2026/7110/42',
            'judgment_date': today, 'judgment_file': document()},
        'execute_judgment.schema.json': lambda: {
            'judgment_payment_order_reference': 'OP-2026-0077', 'judgment_transfer_date': today},
        'record_additional_settlement.schema.json': lambda: {
            'additional_settlement_amount': 1800, 'additional_settlement_date': today,
            'additional_settlement_reference': 'SAN-PAY-0043', 'additional_settlement_notice': document()},
        'payment.schema.json': lambda: {
            'payment_order_reference': 'OP-2026-0042', 'transfer_date': today,
            'payment_amount': case.data.get('decided_amount', 0)},
    }
    if form_name not in defaults:
        raise KeyError(f'no default values for the form {form_name!r}; add them to the driver')
    return defaults[form_name]()


def build_form(bundle: ProcessBundle, task: workflow.ReadyTask) -> forms.Form:
    """Build the task's form as the application serves it, against the task's own data."""
    ui_schema = bundle.form(task.ui_form) if task.ui_form else {}
    context = forms.FormContext(case_data=task.data, today=TODAY, options=ROSTER)
    return forms.Form.build(bundle.form(task.form), ui_schema, context)


class Case:
    """One case on the diagram, saved and restored after every step."""

    def __init__(self, bundle: ProcessBundle, **overrides):
        self.bundle = bundle
        self.engine = workflow.make_script_engine(clock=lambda: NOW)
        self.documents = 0
        self.completed: list[workflow.ReadyTask] = []
        # (bpmn id, ready bpmn ids, case status) seen before each step
        self.statuses: list[tuple[str, list[str], str | None]] = []
        seed = start_data(**overrides)
        self._check_declaration(seed)
        self.wf = workflow.start(bundle, seed, script_engine=self.engine)
        self.wf = self._round_trip()

    def _check_declaration(self, seed: dict) -> None:
        ui_schema = self.bundle.form(self.bundle.start_ui_form) if self.bundle.start_ui_form else {}
        form = forms.Form.build(self.bundle.form(self.bundle.start_form), ui_schema,
                                forms.FormContext(today=TODAY, options=ROSTER))
        _, errors = forms.validate(form, {key: value for key, value in seed.items() if key in DECLARATION_FIELDS})
        assert errors == {}, f'the declaration is invalid: {errors}'

    # ------------------------------------------------------------------------------------------ queries

    @property
    def data(self) -> dict:
        """Return the latest case data."""
        return workflow.case_data(self.wf)

    def ready_tasks(self) -> list[workflow.ReadyTask]:
        """Return the READY human tasks in engine order."""
        return workflow.ready_tasks(self.bundle, self.wf)

    def ready(self) -> list[str]:
        """Return the bpmn ids of the READY human tasks, sorted so parallel tasks compare stably."""
        return sorted(task.bpmn_id for task in self.ready_tasks())

    def task(self, bpmn_id: str) -> workflow.ReadyTask:
        """Return the single READY task with `bpmn_id`, or fail with the list of ready tasks."""
        matches = [task for task in self.ready_tasks() if task.bpmn_id == bpmn_id]
        assert len(matches) == 1, f'expected one READY {bpmn_id}, ready: {self.ready()}'
        return matches[0]

    def status(self) -> str | None:
        """Return the case status as the application shows it."""
        return workflow.status(self.bundle, self.wf)

    def end_state(self) -> str | None:
        """Return the end state of the completed case, or None while it runs."""
        return workflow.end_state(self.bundle, self.wf)

    @property
    def is_completed(self) -> bool:
        return self.wf.completed

    # ---------------------------------------------------------------------------------------- stepping

    def fill(self, bpmn_id: str, **data) -> dict:
        """Return the default values of the task's form merged with `data`."""
        task = self.task(bpmn_id)
        return {**_default_fields(self, task.form), **data}

    def form_errors(self, bpmn_id: str, **data) -> dict[str, list[str]]:
        """Validate `data`, merged over the defaults, against the READY task's form and return only the errors."""
        task = self.task(bpmn_id)
        _, errors = forms.validate(build_form(self.bundle, task), self.fill(bpmn_id, **data))
        return errors

    def step(self, bpmn_id: str, **data) -> workflow.ReadyTask:
        """Complete the READY task `bpmn_id` with valid form data, then save and restore the case."""
        task = self.task(bpmn_id)
        self.statuses.append((bpmn_id, self.ready(), self.status()))
        clean, errors = forms.validate(build_form(self.bundle, task), self.fill(bpmn_id, **data))
        assert errors == {}, f'{bpmn_id}: the form rejected {data}: {errors}'
        workflow.complete(self.bundle, self.wf, task.id, clean)
        self.completed.append(task)
        self.wf = self._round_trip()
        return task

    def _round_trip(self):
        """Save and restore the workflow and check that tasks, lanes, due dates, timers and data are unchanged."""
        before = self.ready_tasks()
        data_before = workflow.case_data(self.wf)
        text = workflow.dumps(self.wf)
        restored = workflow.loads(self.bundle, text, script_engine=self.engine)
        after = workflow.ready_tasks(self.bundle, restored)

        assert [(t.id, t.bpmn_id, t.lane, t.role, t.due_at) for t in after] == \
               [(t.id, t.bpmn_id, t.lane, t.role, t.due_at) for t in before]
        assert after == before
        assert workflow.case_data(restored) == data_before
        assert workflow.status(self.bundle, restored) == workflow.status(self.bundle, self.wf)
        assert workflow.next_timer_at(restored) == workflow.next_timer_at(self.wf)
        assert restored.completed == self.wf.completed
        assert workflow.end_state(self.bundle, restored) == workflow.end_state(self.bundle, self.wf)
        assert workflow.dumps(restored) == text
        return restored

    def walk(self, steps: list[tuple[str, dict]]) -> list[list[str]]:
        """Run `(bpmn_id, data)` steps in order and return the ready list seen before each step."""
        seen = []
        for bpmn_id, data in steps:
            seen.append(self.ready())
            self.step(bpmn_id, **data)
        return seen

