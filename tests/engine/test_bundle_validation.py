"""Bundle loading: hardened XML parsing and deploy-time validation messages."""

import ast
from pathlib import Path

import pytest

from engine.bundle import (
    bundle_sha256,
    check_timer_value,
    clear_cache,
    load_bundle,
    read_folder,
    validate,
)
from engine.errors import DeploymentError

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / 'tests' / 'data'


def files_of(behaviour):
    return read_folder(DATA / behaviour)


def only_problem(behaviour):
    problems = validate(files_of(behaviour))
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_read_folder_uses_relative_posix_paths(tmp_path):
    (tmp_path / 'forms').mkdir()
    (tmp_path / 'forms' / 'a.schema.json').write_text('{}')
    (tmp_path / '.hidden').write_text('x')
    (tmp_path / '.git').mkdir()
    (tmp_path / '.git' / 'config').write_text('x')
    (tmp_path / 'lanes.json').write_text('{}')
    assert sorted(read_folder(tmp_path)) == ['forms/a.schema.json', 'lanes.json']


@pytest.mark.parametrize('behaviour', ['simple_form', 'looped_rework', 'plain_iso_timer', 'call_activity_lane'])
def test_valid_bundles_have_no_problems(behaviour):
    assert validate(files_of(behaviour)) == []


def test_unmapped_lane_message():
    problem = only_problem('unmapped_lane')
    assert problem.file == 'school_accident.bpmn'
    assert problem.element_id == 'Declare'
    assert "lane 'School' is not mapped in lanes.json" in problem.message
    assert 'add it with a role such as "school"' in problem.hint
    assert str(problem).startswith('school_accident.bpmn, element Declare: lane')


def test_missing_form_message():
    problem = only_problem('missing_form')
    assert problem.element_id == 'Review'
    assert "form 'missing.schema.json' does not exist" in problem.message
    assert 'forms/missing.schema.json' in problem.hint


def test_invalid_form_schema_message():
    problems = validate(files_of('invalid_form_schema'))
    messages = [str(p) for p in problems]
    assert any(p.file == 'forms/review.schema.json' and 'invalid JSON Schema' in p.message for p in problems), \
        messages
    assert any(p.element_id == 'Review' for p in problems), messages


def test_bad_timer_literal_message():
    problem = only_problem('bad_timer_literal')
    assert problem.element_id == 'Wait'
    assert "'P1X' is not a valid ISO 8601 duration" in problem.message


def test_script_syntax_error_message():
    problem = only_problem('script_syntax_error')
    assert problem.element_id == 'Compute'
    assert 'syntax error on line 2' in problem.message


def test_forbidden_script_messages():
    problems = validate(files_of('forbidden_script'))
    by_element = {p.element_id: p.message for p in problems}
    assert 'imports are not allowed' in by_element['Compute']
    assert '__import__' in by_element['f_yes']
    assert by_element['f_yes'].startswith('condition cannot run')


def test_unknown_end_state_message():
    problem = only_problem('unknown_end_state')
    assert problem.element_id == 'End_out'
    assert "unknown endState 'finished'" in problem.message


@pytest.mark.parametrize('behaviour', ['xxe', 'entity_expansion'])
def test_doctype_rejected(behaviour):
    problem = only_problem(behaviour)
    assert 'DOCTYPE' in problem.message


def test_xxe_never_reads_local_file():
    with pytest.raises(DeploymentError) as caught:
        load_bundle(files_of('xxe'))
    assert 'DOCTYPE' in caught.value.message
    hostname = Path('/etc/hostname')
    if hostname.exists() and hostname.read_text().strip():
        assert hostname.read_text().strip() not in caught.value.message


def test_duplicate_ids_message():
    problem = only_problem('duplicate_ids')
    assert problem.element_id == 'Declare'
    assert 'used more than once' in problem.message


def test_not_xml_message():
    problem = only_problem('not_xml')
    assert problem.file == 'school_accident.bpmn'
    assert 'not well-formed XML' in problem.message


def test_bad_json_messages():
    problems = validate(files_of('bad_json'))
    by_file = {p.file: p.message for p in problems}
    assert by_file['lanes.json'].startswith('invalid JSON')
    assert 'JSON object' in by_file['settings.json']
    assert len(problems) == 2, [str(p) for p in problems]


def test_reserved_element_id_reported():
    files = files_of('simple_form')
    files['school_accident.bpmn'] = files['school_accident.bpmn'].replace(b'StartEvent', b'Start')
    problems = validate(files)
    assert any(p.element_id == 'Start' and 'reserved' in p.message for p in problems), [str(p) for p in problems]


def test_missing_main_process():
    problems = validate(files_of('simple_form'), process_id='other_process')
    assert len(problems) == 1
    assert "the main process 'other_process' was not found" in problems[0].message


def test_missing_lanes_file():
    files = files_of('simple_form')
    del files['lanes.json']
    problems = validate(files)
    assert [p.file for p in problems] == ['lanes.json']


@pytest.mark.parametrize('kind, value', [
    ('duration', 'PT48H'), ('duration', 'P10D'), ('cycle', 'R3/P7D'), ('date', '2026-12-01T08:00:00Z'),
    ('date', '2026-12-01T08:00:00+01:00'),
])
def test_timer_literals_accepted(kind, value):
    assert check_timer_value(kind, value) is None


@pytest.mark.parametrize('kind, value', [
    ('duration', 'P1X'), ('duration', 'R3/P7D'), ('cycle', 'PT1H'), ('date', '2026-12-01T08:00:00'),
    ('date', '2026-13-01T08:00:00Z'),
])
def test_timer_literals_rejected(kind, value):
    assert check_timer_value(kind, value) is not None


def test_load_bundle_raises_with_all_problems():
    with pytest.raises(DeploymentError) as caught:
        load_bundle(files_of('forbidden_script'))
    assert len(caught.value.problems) == 2
    assert caught.value.code == 'deployment_invalid'


def test_load_bundle_attributes():
    bundle = load_bundle(files_of('simple_form'))
    assert bundle.process_id == 'school_accident'
    assert bundle.sha256 == bundle_sha256(files_of('simple_form'))
    assert bundle.lanes == {'School': 'school', 'Provincial directorate': 'province'}
    assert bundle.settings == {'review_days': 10}
    assert bundle.form('review.schema.json')['title'] == 'Review'
    assert bundle.form('forms/review.uischema.json') == {'ui:order': ['approved']}
    assert bundle.form('missing.schema.json') is None
    assert bundle.translate('fr', 'Complete the declaration') == 'Compléter la déclaration'
    assert bundle.translate('ar', 'Complete the declaration') == 'Complete the declaration'
    assert bundle.end_states == {'End_insurer': 'closed_insurer', 'End_out': 'out_of_scope'}
    info = {item['bpmn_id']: item for item in bundle.task_spec_info()}
    assert info['Review'] == {'bpmn_id': 'Review', 'name': 'Review the declaration',
                              'lane': 'Provincial directorate', 'role': 'province', 'form': 'review.schema.json',
                              'ui_form': 'review.uischema.json', 'status': 'under_control'}


def test_start_event_form():
    bundle = load_bundle(files_of('simple_form'))
    assert bundle.start_form == 'start.schema.json'
    assert bundle.main_file == 'school_accident.bpmn'
    files = files_of('simple_form')
    del files['forms/start.schema.json']
    problems = validate(files)
    assert [(p.element_id, p.message) for p in problems] == [
        ('StartEvent', "form 'start.schema.json' does not exist or is invalid")]


def test_bundle_cached_by_hash():
    clear_cache()
    first = load_bundle(files_of('simple_form'))
    second = load_bundle(files_of('simple_form'))
    assert first is second
    changed = files_of('simple_form')
    changed['settings.json'] = b'{"review_days": 3}'
    assert load_bundle(changed) is not first


def test_call_activity_tasks_take_caller_lane():
    bundle = load_bundle(files_of('call_activity_lane'))
    info = bundle.task_spec_info()
    assert [(i['bpmn_id'], i['lane'], i['role']) for i in info] == [('Upload', 'Parent', 'parent')]


def test_subprocess_tasks_take_listing_lane():
    bundle = load_bundle(files_of('looped_rework'))
    roles = {i['bpmn_id']: i['role'] for i in bundle.task_spec_info()}
    assert roles == {'Complete_file': 'school', 'Control': 'province'}


def test_plain_iso_literals_quoted_for_engine():
    bundle = load_bundle(files_of('plain_iso_timer'))
    expressions = {name: spec.event_definition.expression for name, spec in bundle.spec.task_specs.items()
                   if hasattr(getattr(spec, 'event_definition', None), 'expression')}
    assert ast.literal_eval(expressions['Wait']) == 'PT1S'
    assert ast.literal_eval(expressions['Remind']) == 'R3/P7D'


def test_engine_core_imports_no_web_or_database_layer():
    forbidden = ('flask', 'sqlalchemy', 'flask_sqlalchemy')
    for name in ('sandbox', 'errors', 'bundle', 'workflow'):
        tree = ast.parse((REPO / 'engine' / f'{name}.py').read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or '']
            else:
                continue
            for module in modules:
                assert module.split('.')[0].lower() not in forbidden, f'engine/{name}.py imports {module}'


@pytest.mark.skipif(not (REPO / 'processes' / 'school_accident.bpmn').exists(),
                    reason='processes/school_accident.bpmn is not present')
def test_project_processes_folder_is_valid():
    problems = validate(read_folder(REPO / 'processes'))
    assert problems == [], '\n'.join(str(p) for p in problems)
