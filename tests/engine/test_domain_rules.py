"""Sourced rules of the school-accident regime, checked on processes/ through the engine API and the forms.

The initial medical certificate is dated on the accident day or within the 10 following days. An insured
pupil's file goes to the insurer whatever the IPP rate. The dahir of 26 October 1942 covers uninsured pupils
with an IPP of at least 10 %, and a death under the dahir is decided by the DAJC. Private schools and practical
work in technical sections fall outside the dahir. An insurer may reject a file, and a court deducts the dahir
amount already paid and may substitute the insurer.
"""

from datetime import datetime, timedelta, timezone
from datetime import time as time_of_day

import pytest
from school_accident_driver import (
    ACCIDENT_DAY,
    Case,
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


@pytest.mark.xfail(strict=True, reason='the diagram does not check the IPP threshold again after the expertise')
def test_expertise_below_threshold_no_entitlement(bundle):
    case = Case(bundle)
    documented(case, 12)
    controlled(case)

    case.walk([('T9_LegalReview', {'expertise_needed': True}), ('T10_Expertise', {'ipp_rate': 5})])

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


def test_litigation_requires_deduction_and_substitution(bundle):
    case = Case(bundle)
    reach_litigation(case)

    errors = case.form_errors('T_Litigation', awarded_amount=90000)

    assert sorted(errors) == ['dahir_amount_deducted', 'insurer_substituted']


@pytest.mark.parametrize('substituted', [True, False])
def test_litigation_records_deduction_and_substitution(bundle, substituted):
    case = Case(bundle)
    reach_litigation(case)

    case.step('T_Litigation', awarded_amount=90000, dahir_amount_deducted=20000, insurer_substituted=substituted)

    assert case.data['dahir_amount_deducted'] == 20000
    assert case.data['insurer_substituted'] is substituted
    assert case.data['awarded_amount'] == 90000
    assert case.end_state() == 'closed_judgment'
