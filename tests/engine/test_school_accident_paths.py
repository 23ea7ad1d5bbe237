"""Every path of processes/school_accident.bpmn, step by step through the engine API with save/restore."""

import statistics
import time

import pytest
from school_accident_driver import Case, load_process_bundle

from engine import workflow

# Lane, role and pending status of every user task, as the diagram and lanes.json define them.
TASKS = {
    'T2_Finalise': ('School', 'school', 'declaration_pending'),
    'T_Inquiry': ('Provincial directorate', 'province', 'under_inquiry'),
    'T3_DeathDocs': ('Parent', 'parent', 'docs_pending'),
    'T3_ParentDocs': ('Parent', 'parent', 'docs_pending'),
    'T4_Healing': ('Parent', 'parent', 'healing_pending'),
    'T5_Submit': ('School', 'school', 'school_check'),
    'T6_Control': ('Provincial directorate', 'province', 'under_control'),
    'T6b_ParentComplete': ('Parent', 'parent', 'returned_for_completion'),
    'T7_ToInsurer': ('AREF', 'region', 'sent_to_insurer'),
    'T_InsurerAnswer': ('AREF', 'region', 'sent_to_insurer'),
    'T_InsurerDocs': ('Parent', 'parent', 'insurer_documents_requested'),
    'T_Committee': ('AREF', 'region', 'rejected_by_insurer'),
    'T8_RecordSettlement': ('Provincial directorate', 'province', 'paid'),
    'T_AdditionalSettlement': ('Provincial directorate', 'province', 'payment_pending'),
    'T9_LegalReview': ('AREF', 'region', 'dahir_review'),
    'T10_Expertise': ('AREF', 'region', 'expertise'),
    'T11_Proposal': ('AREF', 'region', 'decision_pending'),
    'T12_DecideRegion': ('AREF', 'region', 'decision_pending'),
    'T12_DecideCentral': ('DAJC', 'central', 'decision_pending'),
    'T_InformNoEntitlement': ('Provincial directorate', 'province', 'decision_issued'),
    'T_ParentReaction': ('Parent', 'parent', 'awaiting_parent'),
    'T15_Recourse': ('DAJC', 'central', 'contested'),
    'T_Litigation': ('DAJC', 'central', 'in_litigation'),
    'T_ExecuteJudgment': ('AREF', 'region', 'payment_pending'),
    'T13_Payment': ('AREF', 'region', 'payment_pending'),
}

INSURED = {'insured': True, 'pupil_insured': True}
COMPLETE = {'control_decision': 'complete'}
TO_PARENT = {'control_decision': 'incomplete', 'missing_documents': ['rib', 'birth_certificate'],
             'return_to': 'parent', 'control_comment': 'The RIB is unreadable.'}
TO_SCHOOL = {'control_decision': 'incomplete', 'missing_documents': ['supervisor_report'], 'return_to': 'school'}
PAID = {'insurer_outcome': 'paid', 'amount_paid': 4200}
MORE = {'insurer_outcome': 'more_documents', 'requested_documents': 'Pharmacy invoice with the PPM label'}
REJECTED = {'insurer_outcome': 'rejected', 'rejection_reason': 'Not a sudden accident'}
APPROVE = {'decision': 'approve', 'decided_amount': 20000}
REFUSE = {'decision': 'refuse'}
ACCEPT = {'parent_answer': 'accept'}
CONTEST = {'parent_answer': 'contest', 'contest_reasons': 'The amount ignores the lasting limp.'}


@pytest.fixture(scope='module')
def bundle():
    return load_process_bundle()


def single(*bpmn_ids):
    """Return the ready lists of steps where only one task is ready at a time."""
    return [[bpmn_id] for bpmn_id in bpmn_ids]


def documented(ipp_rate=0):
    """Return the steps of a non-serious, non-fatal accident up to the healing certificate."""
    return [('T2_Finalise', {}), ('T3_ParentDocs', {}), ('T4_Healing', {'ipp_rate': ipp_rate})]


OPENING = [['T2_Finalise', 'T3_ParentDocs'], ['T3_ParentDocs'], ['T4_Healing']]


def submitted():
    """Return the steps of a file submitted and found complete at the first control."""
    return [('T5_Submit', {}), ('T6_Control', COMPLETE)]


def check_tasks(case):
    """Check the lane, role and pending status of every step the case went through."""
    for task in case.completed:
        lane, role, status = TASKS[task.bpmn_id]
        assert (task.bpmn_id, task.lane) == (task.bpmn_id, lane)
        assert (task.bpmn_id, task.role) == (task.bpmn_id, role)
        assert (task.bpmn_id, task.status) == (task.bpmn_id, status)
    for bpmn_id, ready, case_status in case.statuses:
        if ready == [bpmn_id]:
            assert (bpmn_id, case_status) == (bpmn_id, TASKS[bpmn_id][2])
        else:
            assert case_status in {TASKS[other][2] for other in ready}, (bpmn_id, ready, case_status)


def check_closed(case, end_state):
    """Check that the case ended in `end_state` with nothing left to do."""
    assert case.is_completed
    assert case.ready() == []
    assert case.status() is None
    assert case.end_state() == end_state
    check_tasks(case)


def visits(case, bpmn_id):
    return sum(1 for task in case.completed if task.bpmn_id == bpmn_id)


def first_visit(case, bpmn_id):
    return next(task for task in case.completed if task.bpmn_id == bpmn_id)


# ------------------------------------------------------------------------------------------ scope


def test_private_school_out_of_scope(bundle):
    case = Case(bundle, school_is_public=False)

    assert case.completed == []
    check_closed(case, 'out_of_scope')


def test_technical_practical_work_transferred(bundle):
    case = Case(bundle, activity='technical_practical_work')

    assert case.completed == []
    check_closed(case, 'transferred_work_accident')


# ---------------------------------------------------------------------------------------- insurer


def test_minor_insured_paid_accepted(bundle):
    case = Case(bundle, **INSURED)

    seen = case.walk(documented(ipp_rate=5) + submitted() + [
        ('T7_ToInsurer', {}), ('T_InsurerAnswer', PAID), ('T8_RecordSettlement', {}),
        ('T_ParentReaction', ACCEPT)])

    assert seen == OPENING + single('T5_Submit', 'T6_Control', 'T7_ToInsurer', 'T_InsurerAnswer',
                                    'T8_RecordSettlement', 'T_ParentReaction')
    assert visits(case, 'T_Inquiry') == 0
    assert case.data['regime'] == 'insurer'
    assert case.data['amount_paid'] == 4200
    check_closed(case, 'closed_insurer')


def test_insurer_more_documents_three_times(bundle):
    case = Case(bundle, pupil_insured=True)
    round_of_documents = [('T7_ToInsurer', {}), ('T_InsurerAnswer', MORE), ('T_InsurerDocs', {})]

    seen = case.walk(documented() + submitted() + round_of_documents * 3 + [
        ('T7_ToInsurer', {}), ('T_InsurerAnswer', PAID), ('T8_RecordSettlement', {}),
        ('T_ParentReaction', ACCEPT)])

    assert seen == OPENING + single(
        'T5_Submit', 'T6_Control',
        *['T7_ToInsurer', 'T_InsurerAnswer', 'T_InsurerDocs'] * 3,
        'T7_ToInsurer', 'T_InsurerAnswer', 'T8_RecordSettlement', 'T_ParentReaction')
    assert visits(case, 'T7_ToInsurer') == 4
    assert visits(case, 'T_InsurerDocs') == 3
    assert case.data['insurer_outcome'] == 'paid'
    check_closed(case, 'closed_insurer')


def test_insurer_documents_task_shows_request(bundle):
    case = Case(bundle, **INSURED)
    case.walk(documented() + submitted() + [('T7_ToInsurer', {}), ('T_InsurerAnswer', MORE)])

    task = case.task('T_InsurerDocs')

    assert task.data['requested_documents'] == MORE['requested_documents']
    assert task.due_at is not None


def test_insurer_rejected_committee_overturned(bundle):
    case = Case(bundle, **INSURED)

    seen = case.walk(documented(ipp_rate=5) + submitted() + [
        ('T7_ToInsurer', {}), ('T_InsurerAnswer', REJECTED), ('T_Committee', {'committee_outcome': 'overturned'}),
        ('T8_RecordSettlement', {}), ('T_ParentReaction', ACCEPT)])

    assert seen == OPENING + single('T5_Submit', 'T6_Control', 'T7_ToInsurer', 'T_InsurerAnswer', 'T_Committee',
                                    'T8_RecordSettlement', 'T_ParentReaction')
    check_closed(case, 'closed_insurer')


def test_insurer_rejected_maintained_dahir(bundle):
    case = Case(bundle, **INSURED)

    seen = case.walk(documented(ipp_rate=15) + submitted() + [
        ('T7_ToInsurer', {}), ('T_InsurerAnswer', REJECTED), ('T_Committee', {'committee_outcome': 'maintained'}),
        ('T9_LegalReview', {}), ('T11_Proposal', {}), ('T12_DecideRegion', APPROVE), ('T_ParentReaction', ACCEPT),
        ('T13_Payment', {})])

    assert seen == OPENING + single('T5_Submit', 'T6_Control', 'T7_ToInsurer', 'T_InsurerAnswer', 'T_Committee',
                                    'T9_LegalReview', 'T11_Proposal', 'T12_DecideRegion', 'T_ParentReaction',
                                    'T13_Payment')
    assert case.data['regime'] == 'dahir'
    assert case.data['payment_amount'] == 20000
    check_closed(case, 'closed_dahir')


def test_insurer_rejected_maintained_no_entitlement(bundle):
    case = Case(bundle, **INSURED)

    seen = case.walk(documented(ipp_rate=5) + submitted() + [
        ('T7_ToInsurer', {}), ('T_InsurerAnswer', REJECTED), ('T_Committee', {'committee_outcome': 'maintained'}),
        ('T_InformNoEntitlement', {})])

    assert seen == OPENING + single('T5_Submit', 'T6_Control', 'T7_ToInsurer', 'T_InsurerAnswer', 'T_Committee',
                                    'T_InformNoEntitlement')
    assert visits(case, 'T9_LegalReview') == 0
    check_closed(case, 'closed_no_entitlement')


def test_insurer_paid_contest_revised(bundle):
    case = Case(bundle, **INSURED)

    seen = case.walk(documented() + submitted() + [
        ('T7_ToInsurer', {}), ('T_InsurerAnswer', PAID), ('T8_RecordSettlement', {}), ('T_ParentReaction', CONTEST),
        ('T15_Recourse', {'recourse_outcome': 'revised', 'revised_amount': 6000}),
        ('T_AdditionalSettlement', {'additional_settlement_amount': 1800})])

    assert seen[-4:] == single('T8_RecordSettlement', 'T_ParentReaction', 'T15_Recourse', 'T_AdditionalSettlement')
    assert case.data['decided_amount'] == 6000
    assert case.data['additional_settlement_amount'] == 1800
    assert case.data['settlement_amount'] == 4200
    check_closed(case, 'closed_insurer')


def test_insurer_paid_contest_maintained(bundle):
    case = Case(bundle, **INSURED)

    seen = case.walk(documented() + submitted() + [
        ('T7_ToInsurer', {}), ('T_InsurerAnswer', PAID), ('T8_RecordSettlement', {}), ('T_ParentReaction', CONTEST),
        ('T15_Recourse', {'recourse_outcome': 'maintained'})])

    assert seen[-3:] == single('T8_RecordSettlement', 'T_ParentReaction', 'T15_Recourse')
    assert visits(case, 'T_AdditionalSettlement') == 0
    check_closed(case, 'closed_insurer')


# ------------------------------------------------------------------------------------------ dahir


def test_uninsured_ipp_below_threshold_no_entitlement(bundle):
    case = Case(bundle)

    seen = case.walk(documented(ipp_rate=5) + submitted() + [('T_InformNoEntitlement', {})])

    assert seen == OPENING + single('T5_Submit', 'T6_Control', 'T_InformNoEntitlement')
    assert visits(case, 'T7_ToInsurer') == 0
    assert visits(case, 'T9_LegalReview') == 0
    check_closed(case, 'closed_no_entitlement')


def test_dahir_expertise_below_threshold(bundle):
    case = Case(bundle)

    seen = case.walk(documented(ipp_rate=12) + submitted() + [
        ('T9_LegalReview', {'expertise_needed': True}), ('T10_Expertise', {'ipp_rate': 5}),
        ('T_InformNoEntitlement', {})])

    assert seen[-3:] == single('T9_LegalReview', 'T10_Expertise', 'T_InformNoEntitlement')
    assert visits(case, 'T11_Proposal') == 0
    assert case.data['ipp_rate'] == 5
    check_closed(case, 'closed_no_entitlement')


def test_dahir_with_expertise(bundle):
    case = Case(bundle)

    seen = case.walk(documented(ipp_rate=12) + submitted() + [
        ('T9_LegalReview', {'expertise_needed': True}), ('T10_Expertise', {'ipp_rate': 20}),
        ('T11_Proposal', {'proposed_amount': 30000}), ('T12_DecideRegion', APPROVE), ('T_ParentReaction', ACCEPT),
        ('T13_Payment', {})])

    assert seen == OPENING + single('T5_Submit', 'T6_Control', 'T9_LegalReview', 'T10_Expertise', 'T11_Proposal',
                                    'T12_DecideRegion', 'T_ParentReaction', 'T13_Payment')
    assert first_visit(case, 'T10_Expertise').due_at is not None
    assert case.data['ipp_rate'] == 20
    check_closed(case, 'closed_dahir')


def test_dahir_without_expertise(bundle):
    case = Case(bundle)

    seen = case.walk(documented(ipp_rate=40) + submitted() + [
        ('T9_LegalReview', {}), ('T11_Proposal', {'proposed_amount': 45000}),
        ('T12_DecideRegion', {'decision': 'approve', 'decided_amount': 45000}), ('T_ParentReaction', ACCEPT),
        ('T13_Payment', {})])

    assert seen == OPENING + single('T5_Submit', 'T6_Control', 'T9_LegalReview', 'T11_Proposal', 'T12_DecideRegion',
                                    'T_ParentReaction', 'T13_Payment')
    assert visits(case, 'T10_Expertise') == 0
    assert case.data['payment_amount'] == 45000
    check_closed(case, 'closed_dahir')


def test_dahir_not_eligible(bundle):
    case = Case(bundle)

    seen = case.walk(documented(ipp_rate=30) + submitted() + [
        ('T9_LegalReview', {'eligible': False}), ('T_InformNoEntitlement', {})])

    assert seen[-2:] == single('T9_LegalReview', 'T_InformNoEntitlement')
    assert visits(case, 'T11_Proposal') == 0
    check_closed(case, 'closed_no_entitlement')


@pytest.mark.parametrize(('name', 'declared', 'review', 'proposed_amount', 'deciding_task'), [
    ('amount at threshold', {}, {}, 50000, 'T12_DecideRegion'),
    ('amount above threshold', {}, {}, 50001, 'T12_DecideCentral'),
    ('pending lawsuit', {}, {'pending_lawsuit': True}, 1000, 'T12_DecideCentral'),
    ('death', {'severity': 'death', 'first_aid': 'ambulance', 'hospital_name': 'CHU Ibn Rochd'}, {}, 1000,
     'T12_DecideCentral'),
])
def test_decision_level(bundle, name, declared, review, proposed_amount, deciding_task):
    case = Case(bundle, **declared)
    if declared.get('severity') == 'death':
        case.walk([('T2_Finalise', {}), ('T_Inquiry', {}), ('T3_DeathDocs', {})])
    else:
        case.walk(documented(ipp_rate=25))
    case.walk(submitted() + [('T9_LegalReview', review), ('T11_Proposal', {'proposed_amount': proposed_amount})])

    assert case.ready() == [deciding_task], name
    seen = case.walk([(deciding_task, APPROVE), ('T_ParentReaction', ACCEPT), ('T13_Payment', {})])

    assert seen == single(deciding_task, 'T_ParentReaction', 'T13_Payment')
    check_closed(case, 'closed_dahir')


def test_regional_grant_above_limit_decided_centrally(bundle):
    case = Case(bundle)

    seen = case.walk(documented(ipp_rate=25) + submitted() + [
        ('T9_LegalReview', {}), ('T11_Proposal', {'proposed_amount': 40000}),
        ('T12_DecideRegion', {'decision': 'approve', 'decided_amount': 60000}),
        ('T12_DecideCentral', {'decision': 'approve', 'decided_amount': 55000}), ('T_ParentReaction', ACCEPT),
        ('T13_Payment', {})])

    assert seen[-5:] == single('T11_Proposal', 'T12_DecideRegion', 'T12_DecideCentral', 'T_ParentReaction',
                               'T13_Payment')
    assert case.data['decided_amount'] == 55000
    assert case.data['payment_amount'] == 55000
    check_closed(case, 'closed_dahir')


def test_refused_decision_accepted(bundle):
    case = Case(bundle)

    seen = case.walk(documented(ipp_rate=12) + submitted() + [
        ('T9_LegalReview', {}), ('T11_Proposal', {}), ('T12_DecideRegion', REFUSE), ('T_ParentReaction', ACCEPT)])

    assert seen[-4:] == single('T9_LegalReview', 'T11_Proposal', 'T12_DecideRegion', 'T_ParentReaction')
    assert visits(case, 'T13_Payment') == 0
    assert case.data['decision'] == 'refuse'
    check_closed(case, 'closed_no_entitlement')


# --------------------------------------------------------------------------------------- disputes


def test_contest_recourse_maintained(bundle):
    case = Case(bundle)

    seen = case.walk(documented(ipp_rate=12) + submitted() + [
        ('T9_LegalReview', {}), ('T11_Proposal', {}), ('T12_DecideRegion', APPROVE), ('T_ParentReaction', CONTEST),
        ('T15_Recourse', {'recourse_outcome': 'maintained'}), ('T13_Payment', {})])

    assert seen[-4:] == single('T12_DecideRegion', 'T_ParentReaction', 'T15_Recourse', 'T13_Payment')
    assert case.data['payment_amount'] == APPROVE['decided_amount']
    check_closed(case, 'closed_dahir')


def test_contest_refusal_recourse_maintained(bundle):
    case = Case(bundle)

    seen = case.walk(documented(ipp_rate=12) + submitted() + [
        ('T9_LegalReview', {}), ('T11_Proposal', {}), ('T12_DecideRegion', REFUSE), ('T_ParentReaction', CONTEST),
        ('T15_Recourse', {'recourse_outcome': 'maintained'})])

    assert seen[-3:] == single('T12_DecideRegion', 'T_ParentReaction', 'T15_Recourse')
    assert visits(case, 'T13_Payment') == 0
    check_closed(case, 'closed_no_entitlement')


def test_contest_refusal_recourse_revised(bundle):
    case = Case(bundle)

    seen = case.walk(documented(ipp_rate=12) + submitted() + [
        ('T9_LegalReview', {}), ('T11_Proposal', {}), ('T12_DecideRegion', REFUSE), ('T_ParentReaction', CONTEST),
        ('T15_Recourse', {'recourse_outcome': 'revised', 'revised_amount': 30000}), ('T13_Payment', {})])

    assert seen[-4:] == single('T12_DecideRegion', 'T_ParentReaction', 'T15_Recourse', 'T13_Payment')
    assert case.data['decision'] == 'approve'
    assert case.data['decided_amount'] == 30000
    assert case.data['payment_amount'] == 30000
    check_closed(case, 'closed_dahir')


def test_contest_litigation(bundle):
    case = Case(bundle)
    judgment = {'awarded_amount': 90000, 'insurer_substituted': False}

    seen = case.walk(documented(ipp_rate=12) + submitted() + [
        ('T9_LegalReview', {}), ('T11_Proposal', {}), ('T12_DecideRegion', APPROVE), ('T_ParentReaction', CONTEST),
        ('T15_Recourse', {'recourse_outcome': 'litigation'}), ('T_Litigation', judgment), ('T_ExecuteJudgment', {})])

    assert seen[-5:] == single('T12_DecideRegion', 'T_ParentReaction', 'T15_Recourse', 'T_Litigation',
                               'T_ExecuteJudgment')
    assert visits(case, 'T13_Payment') == 0
    assert case.data['dahir_amount_paid'] == 0
    assert case.data['judgment_amount_paid'] == 90000
    check_closed(case, 'closed_judgment')


def test_insurer_contest_litigation(bundle):
    case = Case(bundle, **INSURED)
    judgment = {'awarded_amount': 30000, 'insurer_substituted': True}

    seen = case.walk(documented() + submitted() + [
        ('T7_ToInsurer', {}), ('T_InsurerAnswer', PAID), ('T8_RecordSettlement', {}), ('T_ParentReaction', CONTEST),
        ('T15_Recourse', {'recourse_outcome': 'litigation'}), ('T_Litigation', judgment),
        ('T_ExecuteJudgment', {'insurer_substitution_note': 'Sanlam pays under the school insurance, ref. SAN-J-7.'})])

    assert seen[-3:] == single('T15_Recourse', 'T_Litigation', 'T_ExecuteJudgment')
    assert visits(case, 'T_AdditionalSettlement') == 0
    assert case.data['judgment_amount_paid'] == 30000
    check_closed(case, 'closed_judgment')


# --------------------------------------------------------------------------------- serious and death


@pytest.mark.parametrize('serious', [
    {'severity': 'hospitalised_over_24h', 'first_aid': 'taken_to_hospital', 'hospital_name': 'Hôpital Ibn Sina'},
    {'severity': 'life_threatening', 'first_aid': 'civil_protection', 'hospital_name': 'CHU Hassan II'},
    {'several_victims': True},
    {'third_party_violence': True},
], ids=['hospitalised', 'life threatening', 'several victims', 'violence'])
def test_serious_accident_inquiry(bundle, serious):
    case = Case(bundle, **INSURED, **serious)

    seen = case.walk([('T2_Finalise', {}), ('T_Inquiry', {}), ('T3_ParentDocs', {}), ('T4_Healing', {})]
                     + submitted() + [('T7_ToInsurer', {}), ('T_InsurerAnswer', PAID), ('T8_RecordSettlement', {}),
                                      ('T_ParentReaction', ACCEPT)])

    assert seen[:4] == [['T2_Finalise', 'T3_ParentDocs'], ['T3_ParentDocs', 'T_Inquiry'],
                        ['T3_ParentDocs'], ['T4_Healing']]
    assert case.data['staff_fault'] is False
    check_closed(case, 'closed_insurer')


def test_inquiry_branch_waits_for_parent(bundle):
    case = Case(bundle, severity='hospitalised_over_24h', first_aid='ambulance', hospital_name='CHU Ibn Rochd')

    seen = case.walk([('T3_ParentDocs', {}), ('T4_Healing', {'ipp_rate': 3}), ('T2_Finalise', {})])

    assert seen == [['T2_Finalise', 'T3_ParentDocs'], ['T2_Finalise', 'T4_Healing'], ['T2_Finalise']]
    assert case.ready() == ['T_Inquiry']
    case.walk([('T_Inquiry', {})] + submitted() + [('T_InformNoEntitlement', {})])
    check_closed(case, 'closed_no_entitlement')


def test_death_uninsured_documents_and_central_decision(bundle):
    case = Case(bundle, severity='death', first_aid='ambulance', hospital_name='CHU Ibn Rochd')

    seen = case.walk([('T2_Finalise', {}), ('T_Inquiry', {}), ('T3_DeathDocs', {})] + submitted() + [
        ('T9_LegalReview', {}), ('T11_Proposal', {'proposed_amount': 100000}), ('T12_DecideCentral', APPROVE),
        ('T_ParentReaction', ACCEPT), ('T13_Payment', {})])

    assert seen[:3] == [['T2_Finalise', 'T3_DeathDocs'], ['T3_DeathDocs', 'T_Inquiry'], ['T3_DeathDocs']]
    assert seen[3:] == single('T5_Submit', 'T6_Control', 'T9_LegalReview', 'T11_Proposal', 'T12_DecideCentral',
                              'T_ParentReaction', 'T13_Payment')
    assert visits(case, 'T3_ParentDocs') == 0
    assert visits(case, 'T4_Healing') == 0
    assert first_visit(case, 'T3_DeathDocs').due_at is not None
    check_closed(case, 'closed_dahir')


def test_death_insured_goes_to_insurer(bundle):
    case = Case(bundle, **INSURED, severity='death', first_aid='ambulance', hospital_name='CHU Ibn Rochd')

    case.walk([('T2_Finalise', {}), ('T_Inquiry', {}), ('T3_DeathDocs', {})] + submitted())

    assert case.ready() == ['T7_ToInsurer']
    case.walk([('T7_ToInsurer', {}), ('T_InsurerAnswer', {**PAID, 'amount_paid': 100000}),
               ('T8_RecordSettlement', {'settlement_amount': 100000}), ('T_ParentReaction', ACCEPT)])
    check_closed(case, 'closed_insurer')


# ----------------------------------------------------------------------------------- completeness


def test_completeness_returned_to_parent_and_school(bundle):
    case = Case(bundle, **INSURED)
    returns = [TO_PARENT, TO_SCHOOL, TO_PARENT, TO_SCHOOL, TO_SCHOOL]
    steps = []
    expected = []
    for decision in returns:
        steps += [('T5_Submit', {}), ('T6_Control', decision)]
        expected += single('T5_Submit', 'T6_Control')
        if decision['return_to'] == 'parent':
            steps.append(('T6b_ParentComplete', {'completion_comment': 'New RIB attached.'}))
            expected += single('T6b_ParentComplete')

    seen = case.walk(documented() + steps + submitted() + [
        ('T7_ToInsurer', {}), ('T_InsurerAnswer', PAID), ('T8_RecordSettlement', {}), ('T_ParentReaction', ACCEPT)])

    assert seen == OPENING + expected + single('T5_Submit', 'T6_Control', 'T7_ToInsurer', 'T_InsurerAnswer',
                                               'T8_RecordSettlement', 'T_ParentReaction')
    assert visits(case, 'T5_Submit') == 6
    assert visits(case, 'T6_Control') == 6
    assert visits(case, 'T6b_ParentComplete') == 2
    check_closed(case, 'closed_insurer')


def test_parent_completion_shows_missing_documents(bundle):
    case = Case(bundle)
    case.walk(documented() + [('T5_Submit', {}), ('T6_Control', TO_PARENT)])

    task = case.task('T6b_ParentComplete')

    assert task.data['missing_documents'] == TO_PARENT['missing_documents']
    assert task.data['control_comment'] == TO_PARENT['control_comment']
    assert task.due_at is not None


def test_control_resets_between_passes(bundle):
    case = Case(bundle)
    case.walk(documented() + [('T5_Submit', {}), ('T6_Control', TO_SCHOOL), ('T5_Submit', {})])

    task = case.task('T6_Control')

    assert task.data['control_decision'] == ''
    assert task.data['missing_documents'] == []


LOOPS = 250


def _pass_steps(target):
    steps = [('T5_Submit', {}), ('T6_Control', TO_PARENT if target == 'parent' else TO_SCHOOL)]
    if target == 'parent':
        steps.append(('T6b_ParentComplete', {}))
    return steps


@pytest.mark.parametrize('target', ['parent', 'school'])
def test_many_completeness_loops_stay_cheap(bundle, target):
    case = Case(bundle)
    case.walk(documented(ipp_rate=5))
    pass_seconds = []
    sizes = []

    for _ in range(LOOPS):
        began = time.perf_counter()
        case.walk(_pass_steps(target))
        pass_seconds.append(time.perf_counter() - began)
        sizes.append(len(workflow.dumps(case.wf)))
    case.walk(submitted() + [('T_InformNoEntitlement', {})])

    first = statistics.median(pass_seconds[:20])
    last = statistics.median(pass_seconds[-20:])
    assert last <= 3 * first, f'a pass took {first * 1000:.1f} ms at first and {last * 1000:.1f} ms at the end'
    assert sizes[-1] <= 1.5 * sizes[0], f'the saved case grew from {sizes[0]} to {sizes[-1]} bytes'
    assert visits(case, 'T6_Control') == LOOPS + 1
    check_closed(case, 'closed_no_entitlement')
