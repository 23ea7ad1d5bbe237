"""Sourced rules of the school-accident regime, checked on processes/ through the engine API and the forms.

The initial medical certificate is dated on the accident day or within the 10 following days. An insured
pupil's file goes to the insurer whatever the IPP rate. The dahir of 26 October 1942 covers uninsured pupils
with an IPP of at least 10 %, and a death under the dahir is decided by the DAJC. Private schools and practical
work in technical sections fall outside the dahir. An insurer may reject a file, and a court deducts the dahir
amount already paid and may substitute the insurer.
"""

from datetime import datetime, timedelta, timezone
from datetime import time as time_of_day
from uuid import UUID

import pytest
from school_accident_driver import (
    ACCIDENT_DAY,
    Case,
    build_form,
    bundle_with_settings,
    iso_day,
    load_process_bundle,
)

DEATH = {'severity': 'death', 'first_aid': 'ambulance', 'hospital_name': 'CHU Ibn Rochd'}
REJECTED = {'insurer_outcome': 'rejected', 'rejection_reason': 'Not a sudden accident'}


@pytest.fixture(scope='module')
def bundle():
    return load_process_bundle()


def documented(case, ipp_rate):
    """Finalise the declaration and give the parent documents and the healing certificate."""
    case.walk([('T2_Finalise', {}), ('T3_ParentDocs', {}), ('T4_Healing', {'ipp_rate': ipp_rate})])


def controlled(case):
    """Submit the file and find it complete."""
    case.walk([('T5_Submit', {}), ('T6_Control', {'control_decision': 'complete'})])


def certificate_day(offset_days):
    return iso_day(ACCIDENT_DAY + timedelta(days=offset_days))


# ------------------------------------------------------------------------- initial certificate


@pytest.mark.parametrize('offset_days', [0, 10], ids=['accident day', 'day 10'])
def test_initial_certificate_within_ten_days_accepted(bundle, offset_days):
    case = Case(bundle)

    assert case.form_errors('T3_ParentDocs', initial_certificate_date=certificate_day(offset_days)) == {}
    case.step('T3_ParentDocs', initial_certificate_date=certificate_day(offset_days))
    assert case.data['initial_certificate_date'] == certificate_day(offset_days)
    assert 'T4_Healing' in case.ready()


@pytest.mark.parametrize('offset_days', [-1, 11], ids=['before the accident', 'day 11'])
def test_initial_certificate_outside_ten_days_rejected(bundle, offset_days):
    case = Case(bundle)

    errors = case.form_errors('T3_ParentDocs', initial_certificate_date=certificate_day(offset_days))

    assert list(errors) == ['initial_certificate_date']
    assert 'T3_ParentDocs' in case.ready()


def test_initial_certificate_due_on_day_ten(bundle):
    case = Case(bundle)

    due = case.task('T3_ParentDocs').due_at

    assert due == datetime.combine(ACCIDENT_DAY + timedelta(days=10), time_of_day(23, 59, 59), timezone.utc)


def test_certificate_window_matches_settings(bundle):
    window = bundle.form('parent_documents.schema.json')['properties']['initial_certificate_date']['x-date-range']

    assert window['min'] == {'field': 'accident_date'}
    assert window['max'] == {'field': 'accident_date', 'days': bundle.settings['certificate_max_days']}


# ------------------------------------------------------------------------------- regime routing


@pytest.mark.parametrize('ipp_rate', [0, 5, 9.5, 10, 60, 100])
def test_insured_pupil_goes_to_insurer(bundle, ipp_rate):
    case = Case(bundle, insured=True, pupil_insured=True)
    documented(case, ipp_rate)

    controlled(case)

    assert case.ready() == ['T7_ToInsurer']
    assert case.data['regime'] == 'insurer'


@pytest.mark.parametrize('flags', [{'insured': True, 'pupil_insured': False}, {'insured': False, 'pupil_insured': True}],
                         ids=['declared insured', 'insured in the roster'])
def test_either_insurance_flag_goes_to_insurer(bundle, flags):
    case = Case(bundle, **flags)
    documented(case, 40)

    controlled(case)

    assert case.ready() == ['T7_ToInsurer']


def test_insured_death_goes_to_insurer(bundle):
    case = Case(bundle, insured=True, pupil_insured=True, **DEATH)
    case.walk([('T2_Finalise', {}), ('T_Inquiry', {}), ('T3_DeathDocs', {})])

    controlled(case)

    assert case.ready() == ['T7_ToInsurer']


@pytest.mark.parametrize('above', [0, 0.5, 90], ids=['at the threshold', 'just above', 'far above'])
def test_uninsured_ipp_at_threshold_goes_to_dahir(bundle, above):
    threshold = bundle.settings['dahir_ipp_threshold']
    case = Case(bundle)
    documented(case, threshold + above)

    controlled(case)

    assert threshold == 10
    assert case.ready() == ['T9_LegalReview']
    assert case.data['regime'] == 'dahir'


@pytest.mark.parametrize('ipp_rate', [0, 9.5], ids=['no disability', 'just below'])
def test_uninsured_below_threshold_no_entitlement(bundle, ipp_rate):
    case = Case(bundle)
    documented(case, ipp_rate)

    controlled(case)
    case.step('T_InformNoEntitlement')

    assert case.data['regime'] == ''
    assert case.end_state() == 'closed_no_entitlement'


def test_uninsured_death_goes_to_dahir(bundle):
    case = Case(bundle, **DEATH)
    case.walk([('T2_Finalise', {}), ('T_Inquiry', {}), ('T3_DeathDocs', {})])

    controlled(case)

    assert case.data['ipp_rate'] == 0
    assert case.ready() == ['T9_LegalReview']


def test_expertise_below_threshold_no_entitlement(bundle):
    case = Case(bundle)
    documented(case, 12)
    controlled(case)

    case.walk([('T9_LegalReview', {'expertise_needed': True}), ('T10_Expertise', {'ipp_rate': 5})])

    assert case.ready() == ['T_InformNoEntitlement']


@pytest.mark.parametrize('ipp_rate', [10, 35], ids=['at the threshold', 'above'])
def test_expertise_at_threshold_goes_to_proposal(bundle, ipp_rate):
    case = Case(bundle)
    documented(case, 12)
    controlled(case)

    case.walk([('T9_LegalReview', {'expertise_needed': True}), ('T10_Expertise', {'ipp_rate': ipp_rate})])

    assert case.ready() == ['T11_Proposal']


def test_expertise_after_death_goes_to_proposal(bundle):
    case = Case(bundle, **DEATH)
    case.walk([('T2_Finalise', {}), ('T_Inquiry', {}), ('T3_DeathDocs', {})])
    controlled(case)

    case.walk([('T9_LegalReview', {'expertise_needed': True}), ('T10_Expertise', {'ipp_rate': 0})])

    assert case.ready() == ['T11_Proposal']


def test_expertise_threshold_read_from_settings():
    case = Case(bundle_with_settings(dahir_ipp_threshold=20))
    documented(case, 25)
    controlled(case)

    case.walk([('T9_LegalReview', {'expertise_needed': True}), ('T10_Expertise', {'ipp_rate': 15})])

    assert case.ready() == ['T_InformNoEntitlement']


@pytest.mark.parametrize(('ipp_rate', 'next_task'), [(15, 'T_InformNoEntitlement'), (20, 'T9_LegalReview')])
def test_dahir_threshold_read_from_settings(ipp_rate, next_task):
    case = Case(bundle_with_settings(dahir_ipp_threshold=20))
    documented(case, ipp_rate)

    controlled(case)

    assert case.ready() == [next_task]


# ----------------------------------------------------------------------------------------- scope


@pytest.mark.parametrize('activity', ['recess', 'technical_practical_work'])
def test_private_school_out_of_scope(bundle, activity):
    case = Case(bundle, school_is_public=False, activity=activity)

    assert case.completed == []
    assert case.end_state() == 'out_of_scope'


def test_technical_practical_work_is_work_accident(bundle):
    case = Case(bundle, activity='technical_practical_work')

    assert case.end_state() == 'transferred_work_accident'


def test_workshop_accident_stays_school_accident(bundle):
    case = Case(bundle, activity='lab_workshop')

    assert case.ready() == ['T2_Finalise', 'T3_ParentDocs']
    assert case.end_state() is None


# ------------------------------------------------------------------------------------ decisions


def reach_decision(case, proposed_amount, **review):
    """Take an uninsured case with IPP 25 % to the compensation decision."""
    documented(case, 25)
    controlled(case)
    case.walk([('T9_LegalReview', review), ('T11_Proposal', {'proposed_amount': proposed_amount})])


def test_death_under_dahir_decided_centrally(bundle):
    case = Case(bundle, **DEATH)
    case.walk([('T2_Finalise', {}), ('T_Inquiry', {}), ('T3_DeathDocs', {})])
    controlled(case)
    case.walk([('T9_LegalReview', {}), ('T11_Proposal', {'proposed_amount': 1000})])

    task = case.task('T12_DecideCentral')

    assert case.ready() == ['T12_DecideCentral']
    assert (task.lane, task.role) == ('DAJC', 'central')


@pytest.mark.parametrize(('excess', 'deciding_task', 'role'), [
    (-1, 'T12_DecideRegion', 'region'), (0, 'T12_DecideRegion', 'region'), (1, 'T12_DecideCentral', 'central')])
def test_amount_above_threshold_decided_centrally(bundle, excess, deciding_task, role):
    case = Case(bundle)

    reach_decision(case, bundle.settings['central_decision_amount_threshold'] + excess)

    assert case.ready() == [deciding_task]
    assert case.task(deciding_task).role == role


def test_amount_threshold_read_from_settings():
    case = Case(bundle_with_settings(central_decision_amount_threshold=10000))

    reach_decision(case, 20000)

    assert case.ready() == ['T12_DecideCentral']


@pytest.mark.parametrize(('decision', 'excess', 'next_task'), [
    ('approve', -1, 'T_ParentReaction'), ('approve', 0, 'T_ParentReaction'), ('approve', 1, 'T12_DecideCentral'),
    ('refuse', 1, 'T_ParentReaction')])
def test_regional_grant_above_threshold_decided_centrally(bundle, decision, excess, next_task):
    case = Case(bundle)
    reach_decision(case, 20000)

    case.step('T12_DecideRegion', decision=decision,
              decided_amount=bundle.settings['central_decision_amount_threshold'] + excess)

    assert case.ready() == [next_task]


def test_regional_grant_threshold_read_from_settings():
    case = Case(bundle_with_settings(central_decision_amount_threshold=10000))
    reach_decision(case, 8000)

    case.step('T12_DecideRegion', decision='approve', decided_amount=12000)

    assert case.ready() == ['T12_DecideCentral']
    assert case.task('T12_DecideCentral').data['decided_amount'] == 12000


# ------------------------------------------------------------------------------ insurer rejection


def test_insurer_rejection_needs_reason(bundle):
    case = Case(bundle, insured=True, pupil_insured=True)
    documented(case, 5)
    controlled(case)
    case.step('T7_ToInsurer')

    errors = case.form_errors('T_InsurerAnswer', insurer_outcome='rejected')

    assert list(errors) == ['rejection_reason']


def test_insurer_rejection_recorded_with_reason(bundle):
    case = Case(bundle, insured=True, pupil_insured=True)
    documented(case, 5)
    controlled(case)
    case.step('T7_ToInsurer')

    case.step('T_InsurerAnswer', **REJECTED)
    committee = case.task('T_Committee')

    assert case.ready() == ['T_Committee']
    assert committee.status == 'rejected_by_insurer'
    assert committee.data['insurer_outcome'] == 'rejected'
    assert committee.data['rejection_reason'] == REJECTED['rejection_reason']


# ------------------------------------------------------------------------------------ litigation


def reach_litigation(case):
    """Take an uninsured case with IPP 25 % from an approved decision to the court judgment."""
    reach_decision(case, 20000)
    case.walk([('T12_DecideRegion', {'decision': 'approve', 'decided_amount': 20000}),
               ('T_ParentReaction', {'parent_answer': 'contest', 'contest_reasons': 'The teacher was at fault.'}),
               ('T15_Recourse', {'recourse_outcome': 'litigation'})])


def test_litigation_requires_substitution(bundle):
    case = Case(bundle)
    reach_litigation(case)

    errors = case.form_errors('T_Litigation', awarded_amount=90000)

    assert sorted(errors) == ['insurer_substituted']


@pytest.mark.parametrize('substituted', [True, False])
def test_litigation_records_deduction_and_substitution(bundle, substituted):
    case = Case(bundle)
    reach_litigation(case)

    # The deduction is read-only: the typed value is ignored in favour of the recorded dahir payment.
    case.step('T_Litigation', awarded_amount=90000, dahir_amount_deducted=20000, insurer_substituted=substituted)

    assert case.data['dahir_amount_deducted'] == 0
    assert case.data['insurer_substituted'] is substituted
    assert case.data['awarded_amount'] == 90000
    assert case.ready() == ['T_ExecuteJudgment']


def test_judgment_execution_deducts_dahir_payment(bundle):
    case = Case(bundle)
    reach_litigation(case)
    # No path of the diagram pays the dahir lump sum before a judgment, so the test records one directly.
    case.wf.get_task_from_id(UUID(case.task('T_Litigation').id)).data['dahir_amount_paid'] = 20000
    case.step('T_Litigation', awarded_amount=90000, insurer_substituted=False)
    task = case.task('T_ExecuteJudgment')

    assert task.data['judgment_amount_due'] == 70000
    case.step('T_ExecuteJudgment', judgment_amount_paid=90000, dahir_amount_paid=0)
    assert case.data['judgment_amount_paid'] == 70000
    assert case.data['dahir_amount_paid'] == 20000
    assert case.data['dahir_amount_deducted'] == 20000
    assert case.end_state() == 'closed_judgment'


def test_judgment_execution_never_negative(bundle):
    case = Case(bundle)
    reach_litigation(case)
    case.wf.get_task_from_id(UUID(case.task('T_Litigation').id)).data['dahir_amount_paid'] = 20000

    case.step('T_Litigation', awarded_amount=5000, insurer_substituted=False)

    assert case.task('T_ExecuteJudgment').data['judgment_amount_due'] == 0


@pytest.mark.parametrize('substituted', [True, False])
def test_judgment_execution_shows_substitution(bundle, substituted):
    case = Case(bundle)
    reach_litigation(case)
    case.step('T_Litigation', awarded_amount=90000, insurer_substituted=substituted)
    form = build_form(bundle, case.task('T_ExecuteJudgment'))

    read_only_values = {field.name: field.default for field in form.fields if field.readonly}

    assert read_only_values == {'awarded_amount': 90000, 'dahir_amount_paid': 0, 'judgment_amount_paid': 90000,
                     'insurer_substituted': substituted}
    assert case.form_errors('T_ExecuteJudgment') == {}
    assert sorted(case.form_errors('T_ExecuteJudgment', judgment_payment_order_reference=None)) == [
        'judgment_payment_order_reference']


def test_dahir_payment_recorded(bundle):
    case = Case(bundle)
    reach_decision(case, 20000)

    case.walk([('T12_DecideRegion', {'decision': 'approve', 'decided_amount': 20000}),
               ('T_ParentReaction', {'parent_answer': 'accept'}), ('T13_Payment', {'payment_amount': 20000})])

    assert case.data['dahir_amount_paid'] == 20000
    assert case.end_state() == 'closed_dahir'


# ------------------------------------------------------------------------------ insurer recourse


def reach_insurer_recourse(case):
    """Take an insured case from the insurer's settlement to the administrative recourse."""
    documented(case, 5)
    controlled(case)
    case.walk([('T7_ToInsurer', {}), ('T_InsurerAnswer', {'insurer_outcome': 'paid', 'amount_paid': 4200}),
               ('T8_RecordSettlement', {'settlement_amount': 4200}),
               ('T_ParentReaction', {'parent_answer': 'contest', 'contest_reasons': 'The scar was not counted.'})])


def test_insurer_revised_amount_settled(bundle):
    case = Case(bundle, insured=True, pupil_insured=True)
    reach_insurer_recourse(case)

    case.step('T15_Recourse', recourse_outcome='revised', revised_amount=6000)
    form = build_form(bundle, case.task('T_AdditionalSettlement'))
    read_only_values = {field.name: field.default for field in form.fields if field.readonly}

    assert case.ready() == ['T_AdditionalSettlement']
    assert read_only_values == {'settlement_amount': 4200, 'revised_amount': 6000}
    assert sorted(case.form_errors('T_AdditionalSettlement', additional_settlement_amount=None)) == [
        'additional_settlement_amount']
    case.step('T_AdditionalSettlement', additional_settlement_amount=1800)
    assert case.end_state() == 'closed_insurer'


@pytest.mark.parametrize('outcome', ['maintained', 'litigation'])
def test_insurer_recourse_without_revision_skips_settlement(bundle, outcome):
    case = Case(bundle, insured=True, pupil_insured=True)
    reach_insurer_recourse(case)

    case.step('T15_Recourse', recourse_outcome=outcome)

    assert 'T_AdditionalSettlement' not in case.ready()


# ------------------------------------------------------------------------------ submission status


def test_submission_status_fits_resubmission(bundle):
    case = Case(bundle)
    documented(case, 5)
    first = case.task('T5_Submit')
    case.walk([('T5_Submit', {}), ('T6_Control', {'control_decision': 'incomplete', 'return_to': 'school',
                                                  'missing_documents': ['supervisor_report']})])

    again = case.task('T5_Submit')

    assert (first.status, again.status) == ('school_check', 'school_check')
    assert case.status() == 'school_check'
