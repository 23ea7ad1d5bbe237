"""Process bundles: hardened loading and deploy-time validation of a processes folder.

A bundle is every file of a processes folder (diagrams, lanes.json, settings.json, forms, translations) as
bytes keyed by relative POSIX path. ``validate`` reports every problem it finds. ``load_bundle`` parses a valid
bundle once per content hash and returns the parsed specs, ready for new or restored workflows.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask as SubWorkflowTaskMixin
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask

from .errors import DeploymentError, Problem
from .sandbox import check_source

DEFAULT_PROCESS_ID = 'school_accident'
ROLES = ('school', 'parent', 'province', 'region', 'central')
END_STATES = ('closed_insurer', 'closed_dahir', 'closed_no_entitlement', 'closed_judgment',
              'transferred_work_accident', 'out_of_scope', 'suspended')

BPMN_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL'
SPIFF_NS = 'http://spiffworkflow.org/bpmn/schema/1.0/core'
_NS = {'bpmn': BPMN_NS, 'spiffworkflow': SPIFF_NS}

_CACHE_SIZE = 16
_cache: OrderedDict[tuple[str, str], ProcessBundle] = OrderedDict()
_cache_lock = threading.Lock()


# ------------------------------------------------------------------------------------------ reading

def read_folder(path) -> dict[str, bytes]:
    """Read every non-hidden file under ``path`` into a dict keyed by relative POSIX path."""
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f'processes folder {str(root)!r} does not exist or is not a folder')
    files = {}
    for file_path in sorted(root.rglob('*')):
        relative = file_path.relative_to(root)
        if any(part.startswith('.') for part in relative.parts) or not file_path.is_file():
            continue
        files[relative.as_posix()] = file_path.read_bytes()
    return files


def bundle_sha256(files: dict[str, bytes]) -> str:
    """Hash the sorted file names and contents, so equal folders give equal hashes."""
    digest = hashlib.sha256()
    for name in sorted(files):
        content = files[name]
        digest.update(name.encode('utf-8') + b'\0' + str(len(content)).encode() + b'\0' + content)
    return digest.hexdigest()


def _make_xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=False)


def parse_bpmn_xml(name: str, content: bytes):
    """Parse one diagram with entities, DTDs and network access disabled; return (tree, problem)."""
    try:
        root = etree.fromstring(content, _make_xml_parser())
    except etree.XMLSyntaxError as error:
        return None, Problem(name, None, f'not well-formed XML: {error}',
                             'save the diagram again from the modeler; the file must be BPMN 2.0 XML')
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return None, Problem(name, None, 'the document contains a DOCTYPE declaration, which is not allowed',
                             'remove the <!DOCTYPE …> line and any entity definitions')
    return tree, None


# ------------------------------------------------------------------------------------------- timers

_ISO_LITERAL = re.compile(r'^(P[0-9T.,]|R\d*/|\d{4}-\d{2}-\d{2}|\d{4}-?W\d)', re.IGNORECASE)
_TIMER_KINDS = {'timeDuration': 'duration', 'timeDate': 'date', 'timeCycle': 'cycle'}


def is_iso_literal(text: str) -> bool:
    """Tell whether a timer body looks like a plain ISO 8601 value rather than a Python expression."""
    return bool(_ISO_LITERAL.match(text.strip()))


def check_timer_value(kind: str, value: str) -> str | None:
    """Return why ``value`` is not a valid ISO 8601 value for a timer of ``kind``, or None."""
    value = value.strip()
    try:
        if kind == 'duration':
            if not value.upper().startswith('P'):
                return f'{value!r} is not an ISO 8601 duration such as "PT48H" or "P10D"'
            TimerEventDefinition.parse_iso_duration(value)
        elif kind == 'cycle':
            if not value.upper().startswith('R'):
                return f'{value!r} is not an ISO 8601 repeating interval such as "R3/P7D"'
            TimerEventDefinition.parse_iso_recurring_interval(value)
        else:
            moment = TimerEventDefinition.parse_time_or_duration(value)
            if not hasattr(moment, 'tzinfo'):
                return f'{value!r} is not an ISO 8601 date-time such as "2026-12-01T08:00:00Z"'
            if not re.search(r'(Z|[+-]\d{2}:?\d{2})$', value, re.IGNORECASE):
                return f'{value!r} has no time zone, so it would depend on the server clock zone; add "Z"'
    except Exception as error:  # the library raises bare Exception and ValueError for bad values
        return f'{value!r} is not a valid ISO 8601 {kind}: {error}'
    return None


def quote_iso_timer_literals(tree) -> None:
    """Rewrite plain ISO 8601 timer bodies into Python string literals, in place.

    SpiffWorkflow evaluates timer bodies as Python expressions, so a modeler's plain ``PT48H`` would fail.
    """
    for tag in _TIMER_KINDS:
        for element in tree.iter(f'{{{BPMN_NS}}}{tag}'):
            text = (element.text or '').strip()
            if text and is_iso_literal(text):
                element.text = repr(text)


# ------------------------------------------------------------------------------------------- bundle

@dataclass
class ProcessBundle:
    """A parsed, validated process version."""

    process_id: str
    files: dict[str, bytes]
    sha256: str
    spec: object
    subprocess_specs: dict
    lanes: dict[str, str]
    forms: dict[str, dict]
    settings: dict
    translations: dict[str, dict[str, str]]
    end_states: dict[str, str] = field(default_factory=dict)
    start_form: str | None = None
    start_ui_form: str | None = None
    main_file: str | None = None
    _user_tasks: list[dict] = field(default_factory=list, repr=False)

    def form(self, name: str | None) -> dict | None:
        """Return the parsed form file ``name`` (under forms/), or None when absent."""
        if not name:
            return None
        return self.forms.get(_form_key(name))

    def translate(self, locale: str, text: str) -> str:
        """Return the translation of English ``text`` for ``locale``, or ``text`` itself."""
        return self.translations.get(locale, {}).get(text, text)

    def task_spec_info(self) -> list[dict]:
        """List the user tasks of the process and its subprocesses with lane, role and form."""
        return [dict(item) for item in self._user_tasks]

    def role_for_lane(self, lane: str | None) -> str | None:
        return self.lanes.get(lane) if lane else None


def _form_key(name: str) -> str:
    return name[len('forms/'):] if name.startswith('forms/') else name


def _element_owner_id(element) -> str | None:
    """Return the id of the flow element or sequence flow that contains ``element``."""
    node = element
    while node is not None:
        tag = etree.QName(node).localname if isinstance(node.tag, str) else ''
        if node.get('id') and not tag.endswith('EventDefinition'):
            return node.get('id')
        node = node.getparent()
    return None


def _parse_json(name: str, content: bytes, problems: list[Problem]):
    try:
        return json.loads(content.decode('utf-8'))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.append(Problem(name, None, f'invalid JSON: {error}', 'fix the JSON syntax (a validator or editor helps)'))
        return None


def _check_lanes(files, problems) -> dict[str, str] | None:
    """Return the lane mapping, or None when lanes.json is missing or unreadable."""
    if 'lanes.json' not in files:
        problems.append(Problem('lanes.json', None, 'the lane mapping file is missing',
                                'add lanes.json mapping each lane name to a role such as "school"'))
        return None
    lanes = _parse_json('lanes.json', files['lanes.json'], problems)
    if lanes is None:
        return None
    if not isinstance(lanes, dict):
        problems.append(Problem('lanes.json', None, 'must be a JSON object of lane name → role',
                                'write it as {"School": "school", …}'))
        return None
    valid = {}
    for lane, role in lanes.items():
        if role not in ROLES:
            problems.append(Problem('lanes.json', None, f'lane {lane!r} maps to unknown role {role!r}',
                                    'use one of ' + ', '.join(ROLES)))
        else:
            valid[lane] = role
    return valid


def _check_settings(files, problems) -> dict:
    if 'settings.json' not in files:
        return {}
    settings = _parse_json('settings.json', files['settings.json'], problems)
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        problems.append(Problem('settings.json', None, 'must be a JSON object of setting name → value',
                                'write it as {"declaration_days": 5, …}'))
        return {}
    return settings


def _check_translations(files, problems) -> dict[str, dict[str, str]]:
    translations = {}
    for name, content in files.items():
        match = re.fullmatch(r'i18n/([A-Za-z_-]+)\.json', name)
        if not match:
            continue
        table = _parse_json(name, content, problems)
        if table is None:
            continue
        if not isinstance(table, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in table.items()):
            problems.append(Problem(name, None, 'must be a JSON object mapping English text to translated text',
                                    'write it as {"Declare the accident": "Déclarer l’accident", …}'))
            continue
        translations[match.group(1)] = table
    return translations


def _check_forms(files, problems) -> dict[str, dict]:
    forms = {}
    for name, content in files.items():
        if not name.startswith('forms/') or not name.endswith('.json'):
            continue
        document = _parse_json(name, content, problems)
        if document is None:
            continue
        if not isinstance(document, dict):
            problems.append(Problem(name, None, 'a form file must be a JSON object', None))
            continue
        if name.endswith('.schema.json'):
            try:
                Draft202012Validator.check_schema(document)
            except SchemaError as error:
                location = '/'.join(str(part) for part in error.path) or '(root)'
                problems.append(Problem(name, None, f'invalid JSON Schema at {location}: {error.message}',
                                        'correct the schema (JSON Schema draft 2020-12)'))
                continue
        forms[_form_key(name)] = document
    return forms


# SpiffWorkflow names its own synthetic task specs 'Start' and 'End'; a diagram element with one of these
# ids is silently replaced by them (the process then ends right after starting).
RESERVED_IDS = ('Start', 'End')


def _check_bpmn_sources(name: str, tree, problems: list[Problem], end_states: dict[str, str]) -> None:
    """Compile every script and condition and check every timer, end state and reserved id of one diagram."""
    for process in tree.getroot().iterfind('.//bpmn:process', _NS):
        for element in process.iter():
            if isinstance(element.tag, str) and element.get('id') in RESERVED_IDS:
                problems.append(Problem(name, element.get('id'),
                                        f'element id {element.get("id")!r} is reserved by the engine',
                                        f'rename it, for example to "{element.get("id")}Event_1"'))
    expressions = [
        ('bpmn:script', 'exec', 'script'),
        ('spiffworkflow:preScript', 'exec', 'pre-script'),
        ('spiffworkflow:postScript', 'exec', 'post-script'),
        ('bpmn:conditionExpression', 'eval', 'condition'),
        ('bpmn:loopCondition', 'eval', 'loop condition'),
        ('bpmn:completionCondition', 'eval', 'completion condition'),
        ('bpmn:loopCardinality', 'eval', 'loop cardinality'),
    ]
    for path, mode, label in expressions:
        for element in tree.iterfind(f'.//{path}', _NS):
            source = element.text or ''
            if not source.strip():
                continue
            error = check_source(source if mode == 'exec' else source.strip(), mode)
            if error:
                problems.append(Problem(name, _element_owner_id(element), f'{label} cannot run: {error}',
                                        'fix the Python code; scripts may not import, use names starting '
                                        'with "_" or catch exceptions'))

    for tag, kind in _TIMER_KINDS.items():
        for element in tree.iterfind(f'.//bpmn:{tag}', _NS):
            text = (element.text or '').strip()
            owner = _element_owner_id(element)
            if not text:
                problems.append(Problem(name, owner, f'timer {tag} is empty',
                                        'enter an ISO 8601 value such as "PT48H" or a variable name'))
                continue
            literal = text if is_iso_literal(text) else _string_constant(text)
            if literal is not None:
                error = check_timer_value(kind, literal)
                if error:
                    problems.append(Problem(name, owner, f'invalid timer {tag}: {error}',
                                            'use an ISO 8601 value such as "PT48H", "R3/P7D" or '
                                            '"2026-12-01T08:00:00Z"'))
                continue
            error = check_source(text, 'eval')
            if error:
                problems.append(Problem(name, owner, f'timer {tag} expression cannot run: {error}',
                                        'use an ISO 8601 literal or a Python expression that returns one'))

    for end_event in tree.iterfind('.//bpmn:endEvent', _NS):
        for prop in end_event.iterfind('.//spiffworkflow:property', _NS):
            if prop.get('name') != 'endState':
                continue
            value = prop.get('value')
            if value not in END_STATES:
                problems.append(Problem(name, end_event.get('id'), f'unknown endState {value!r}',
                                        'use one of ' + ', '.join(END_STATES)))
            else:
                end_states[end_event.get('id')] = value


def _string_constant(text: str) -> str | None:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, RecursionError, MemoryError):
        return None
    return value if isinstance(value, str) else None


def _validation_problem(name: str | None, error: ValidationException) -> Problem:
    element = error.id or None
    message = str(error).split('\n')[0]
    duplicate = re.search(r"attribute 'id': '([^']*)' is not a valid value of the atomic type 'xs:ID'", message)
    if duplicate:
        return Problem(error.file_name or name, duplicate.group(1),
                       f'element id {duplicate.group(1)!r} is used more than once (line {error.line_number})',
                       'give every element a unique id')
    if error.line_number:
        message = f'{message} (line {error.line_number})'
    return Problem(error.file_name or name, element, message,
                   'correct the diagram in the modeler; element ids must be unique and flows must connect')


def _collect_user_tasks(spec, subprocess_specs, lanes, forms, problems, inherited_lane=None, seen=None,
                        file_of=None) -> list[dict]:
    """Walk a spec and the specs it calls, resolving each user task's lane from its callers."""
    seen = set() if seen is None else seen
    lanes_checked = lanes is not None
    lanes = lanes or {}
    key = (spec.name, inherited_lane)
    if key in seen:
        return []
    seen.add(key)
    file_name = (file_of or {}).get(spec.name, spec.file)
    found = []
    for task_spec in spec.task_specs.values():
        lane = getattr(task_spec, 'lane', None) or inherited_lane
        if isinstance(task_spec, SubWorkflowTaskMixin):
            child = subprocess_specs.get(task_spec.spec)
            if child is not None:
                found.extend(_collect_user_tasks(child, subprocess_specs, lanes, forms, problems, lane, seen,
                                                 file_of))
            continue
        if not isinstance(task_spec, UserTask):
            continue
        properties = task_spec.extensions.get('properties', {}) if task_spec.extensions else {}
        form, ui_form = properties.get('formJsonSchemaFilename'), properties.get('formUiSchemaFilename')
        element = task_spec.bpmn_id
        if lane is None:
            problems.append(Problem(file_name, element, 'user task is in no lane',
                                    'draw the task inside a lane (or call it from a task inside a lane)'))
        elif lanes_checked and lane not in lanes:
            problems.append(Problem(file_name, element, f'lane {lane!r} is not mapped in lanes.json',
                                    f'add it with a role such as "school": {{"{lane}": "school"}}'))
        if not form:
            problems.append(Problem(file_name, element, 'user task names no form',
                                    'add the property formJsonSchemaFilename, e.g. "declaration.schema.json"'))
        elif _form_key(form) not in forms:
            problems.append(Problem(file_name, element, f'form {form!r} does not exist or is invalid',
                                    f'add forms/{_form_key(form)} (a JSON Schema) or fix the file name'))
        if ui_form and _form_key(ui_form) not in forms:
            problems.append(Problem(file_name, element, f'UI schema {ui_form!r} does not exist or is invalid',
                                    f'add forms/{_form_key(ui_form)} or remove formUiSchemaFilename'))
        found.append({
            'bpmn_id': element, 'name': task_spec.bpmn_name, 'lane': lane, 'role': lanes.get(lane),
            'form': form, 'ui_form': ui_form, 'status': properties.get('status'),
        })
    return found


def _lanes_by_element(tree) -> dict[str, str]:
    """Map element ids to the name of the innermost lane listing them in a bpmn:flowNodeRef."""
    result = {}
    # Nested lanes come after their parent in document order, so the innermost assignment wins.
    for lane in tree.getroot().iterfind('.//bpmn:lane', _NS):
        name = lane.get('name')
        if not name:
            continue
        for ref in lane.iterfind('bpmn:flowNodeRef', _NS):
            if ref.text and ref.text.strip():
                result[ref.text.strip()] = name
    return result


def _assign_nested_lanes(specs, lanes_by_file: dict[str, dict[str, str]]) -> None:
    """Give tasks inside embedded sub-processes the lane that lists them.

    SpiffWorkflow 3.2 gives every task of an embedded sub-process the sub-process's own lane, even when
    another lane lists the task in a bpmn:flowNodeRef.
    """
    for spec in specs:
        lanes_by_element = lanes_by_file.get(spec.file, {})
        for task_spec in spec.task_specs.values():
            bpmn_id = getattr(task_spec, 'bpmn_id', None)
            if bpmn_id in lanes_by_element:
                task_spec.lane = lanes_by_element[bpmn_id]


def _start_event_forms(spec, file_name, forms, problems) -> tuple[str | None, str | None]:
    """Return the form and UI schema named by the process's start event, checking that they exist."""
    for task_spec in spec.task_specs.values():
        if not isinstance(task_spec, StartEvent) or not getattr(task_spec, 'extensions', None):
            continue
        properties = task_spec.extensions.get('properties', {})
        form, ui_form = properties.get('formJsonSchemaFilename'), properties.get('formUiSchemaFilename')
        for name, label in ((form, 'form'), (ui_form, 'UI schema')):
            if name and _form_key(name) not in forms:
                problems.append(Problem(file_name, task_spec.bpmn_id, f'{label} {name!r} does not exist or is invalid',
                                        f'add forms/{_form_key(name)} or fix the file name'))
        if form:
            return form, ui_form
    return None, None


def _connect_loop_children(specs) -> None:
    """Connect loop tasks to their child's completion, as the stock deserializer does for restored specs.

    A freshly parsed spec only connects them when the first iteration starts, so an instance restored into a
    fresh process would never finish its current loop iteration.
    """
    for spec in specs:
        for task_spec in spec.task_specs.values():
            if isinstance(task_spec, LoopTask):
                child = spec.task_specs.get(task_spec.task_spec)
                if child is not None and not child.completed_event.is_connected(task_spec.merge_child):
                    child.completed_event.connect(task_spec.merge_child)


def _analyse(files: dict[str, bytes], process_id: str, rewrite_timers: bool):
    """Run every check and return (problems, parts), where parts contains what load_bundle needs."""
    problems: list[Problem] = []
    lanes = _check_lanes(files, problems)
    settings = _check_settings(files, problems)
    translations = _check_translations(files, problems)
    forms = _check_forms(files, problems)
    end_states: dict[str, str] = {}

    bpmn_names = sorted(name for name in files if name.endswith('.bpmn'))
    if not bpmn_names:
        problems.append(Problem(None, None, 'the bundle contains no .bpmn diagram',
                                f'add the diagram that defines the process {process_id!r}'))
    parser = SpiffBpmnParser(validator=VALIDATOR)
    file_of: dict[str, str] = {}
    lanes_by_file: dict[str, dict[str, str]] = {}
    parsed_ok = True
    for name in bpmn_names:
        tree, problem = parse_bpmn_xml(name, files[name])
        if problem:
            problems.append(problem)
            parsed_ok = False
            continue
        _check_bpmn_sources(name, tree, problems, end_states)
        for process in tree.getroot().iterfind('bpmn:process', _NS):
            file_of[process.get('id')] = name
        lanes_by_file[name] = _lanes_by_element(tree)
        if rewrite_timers:
            quote_iso_timer_literals(tree)
        try:
            parser.add_bpmn_xml(tree, filename=name)
        except ValidationException as error:
            problems.append(_validation_problem(name, error))
            parsed_ok = False
        except RecursionError:
            problems.append(Problem(name, None, 'the diagram could not be parsed (nesting too deep or '
                                    'elements that refer to themselves)', 'check for duplicate element ids'))
            parsed_ok = False

    spec, subprocess_specs, user_tasks = None, {}, []
    start_form = start_ui_form = None
    if parsed_ok and bpmn_names:
        try:
            if process_id not in parser.get_process_ids():
                problems.append(Problem(None, process_id, f'the main process {process_id!r} was not found',
                                        f'give the main process the id "{process_id}" (found: '
                                        f'{", ".join(sorted(parser.get_process_ids())) or "none"})'))
            else:
                spec = parser.get_spec(process_id)
                subprocess_specs = parser.get_subprocess_specs(process_id)
        except ValidationException as error:
            problems.append(_validation_problem(None, error))
        except RecursionError:
            problems.append(Problem(None, process_id, 'the process could not be parsed (recursion too deep)',
                                    'check for call activities that call themselves'))
        if spec is not None:
            missing = [name for name, sub in subprocess_specs.items() if sub is None]
            for name in missing:
                problems.append(Problem(None, name, f'called process {name!r} was not found',
                                        'add the .bpmn file that defines it'))
            if not missing:
                _assign_nested_lanes([spec, *subprocess_specs.values()], lanes_by_file)
                user_tasks = _collect_user_tasks(spec, subprocess_specs, lanes, forms, problems, file_of=file_of)
                start_form, start_ui_form = _start_event_forms(spec, file_of.get(process_id), forms, problems)
    parts = dict(spec=spec, subprocess_specs=subprocess_specs, lanes=lanes or {}, forms=forms, settings=settings,
                 translations=translations, end_states=end_states, user_tasks=user_tasks,
                 start_form=start_form, start_ui_form=start_ui_form, main_file=file_of.get(process_id))
    return problems, parts


def validate(files: dict[str, bytes], process_id: str = DEFAULT_PROCESS_ID) -> list[Problem]:
    """Check a bundle without deploying it and return every problem found (empty when valid)."""
    problems, _ = _analyse(files, process_id, rewrite_timers=True)
    return problems


def load_bundle(files: dict[str, bytes], process_id: str = DEFAULT_PROCESS_ID) -> ProcessBundle:
    """Parse and validate a bundle, reusing the cached result for the same content; raise DeploymentError."""
    sha256 = bundle_sha256(files)
    key = (sha256, process_id)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached

    problems, parts = _analyse(files, process_id, rewrite_timers=True)
    if problems:
        raise DeploymentError(problems)
    _connect_loop_children([parts['spec'], *parts['subprocess_specs'].values()])
    bundle = ProcessBundle(
        process_id=process_id, files=dict(files), sha256=sha256, spec=parts['spec'],
        subprocess_specs=parts['subprocess_specs'], lanes=parts['lanes'], forms=parts['forms'],
        settings=parts['settings'], translations=parts['translations'], end_states=parts['end_states'],
        start_form=parts['start_form'], start_ui_form=parts['start_ui_form'], main_file=parts['main_file'],
        _user_tasks=parts['user_tasks'])

    with _cache_lock:
        _cache[key] = bundle
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return bundle


def clear_cache() -> None:
    """Forget every parsed bundle (tests use it to simulate a fresh process)."""
    with _cache_lock:
        _cache.clear()
