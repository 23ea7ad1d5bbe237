"""Script sandbox for diagram scripts, conditions and timer expressions.

Every script is compiled with RestrictedPython and runs with a small set of builtins, guarded attribute and
item access, checked arithmetic on big values and a CPU time bound. Task data stays JSON-serialisable after
every script.
"""

from __future__ import annotations

import ast
import copy
import math
import operator
import re
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from types import CodeType, FunctionType, ModuleType

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .errors import SandboxViolation, ScriptError, ScriptTimeout

# SpiffWorkflow locates the failing line by looking for this file name in the traceback.
SCRIPT_FILENAME = '<string>'

DEFAULT_TIMEOUT_SECONDS = 2.0
MAX_INT_BITS = 10_000            # about 3,000 decimal digits
MAX_SEQUENCE_LENGTH = 1_000_000  # items of a list/tuple or characters of a string built in one operation
MAX_CALL_DEPTH = 100             # nested calls of functions defined in a script
MAX_FORMAT_WIDTH = 10_000
MAX_DATA_VALUES = 1_000_000      # values in the task data after a script, counted with repeats
MAX_MEMORY_GROWTH_BYTES = 512 * 1024 * 1024
_MEMORY_CHECK_INTERVAL = 0.005   # seconds between two reads of the process RSS

_RESERVED_NAMES = frozenset({
    '__builtins__', '_getattr_', '_getitem_', '_getiter_', '_write_', '_iter_unpack_sequence_',
    '_unpack_sequence_', '_inplacevar_', '_apply_', '_safe_binop_', '_print_', '__name__', '__metaclass__',
})

_FORBIDDEN_ATTRIBUTES = frozenset({'mro', 'format', 'format_map', 'gi_frame', 'gi_code', 'cr_frame', 'f_globals',
                                   'f_locals', 'f_builtins', 'tb_frame'})


# --------------------------------------------------------------------------------------------- helpers

def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _parse_iso(value: str, name: str) -> tuple[datetime, bool]:
    """Parse an ISO date or date-time string; return it as aware UTC and whether it was date-only."""
    if not isinstance(value, str):
        raise TypeError(f'{name} must be an ISO 8601 string such as "2026-11-03", not {type(value).__name__}')
    text = value.strip()
    if re.fullmatch(r'\d{4}-\d{2}-\d{2}', text):
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc), True
    if text.endswith(('Z', 'z')):
        text = text[:-1] + '+00:00'
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f'{name} {value!r} is not an ISO 8601 date or date-time; '
                         'write it as "2026-11-03" or "2026-11-03T08:00:00Z"') from None
    if parsed.tzinfo is None:
        # Naive times are read as UTC so results never depend on the server's time zone.
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc), False


def _format_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def date_add(iso: str, days: float = 0, hours: float = 0) -> str:
    """Add days and hours to an ISO date or date-time string.

    A date-only input moved by whole days stays a date ('YYYY-MM-DD'); anything else becomes a UTC date-time
    ('YYYY-MM-DDTHH:MM:SSZ').
    """
    moment, date_only = _parse_iso(iso, 'date_add: the date')
    result = moment + timedelta(days=days, hours=hours)
    if date_only and not hours and float(days).is_integer():
        return result.date().isoformat()
    return _format_utc(result)


def days_between(a: str, b: str) -> int:
    """Count whole days from ``a`` to ``b`` (negative when ``b`` is earlier), comparing calendar dates in UTC."""
    start, _ = _parse_iso(a, 'days_between: the first date')
    end, _ = _parse_iso(b, 'days_between: the second date')
    return (end.date() - start.date()).days


# ---------------------------------------------------------------------------------- guarded builtins

def _violation(message: str) -> SandboxViolation:
    return SandboxViolation(message, hint='rewrite the script with plain arithmetic on task data')


def safe_range(*args) -> range:
    """Build a range, rejecting one longer than MAX_SEQUENCE_LENGTH."""
    result = range(*args)
    if len(result) > MAX_SEQUENCE_LENGTH:
        raise _violation(f'range of {len(result)} items exceeds the limit of {MAX_SEQUENCE_LENGTH} items')
    return result


def _sequence_length(value) -> int | None:
    if isinstance(value, (str, bytes, list, tuple)):
        return len(value)
    return None


def _check_int_bits(bits: int, operation: str) -> None:
    if bits > MAX_INT_BITS:
        raise _violation(f'{operation} would produce an integer of about {bits} bits, '
                         f'above the limit of {MAX_INT_BITS} bits')


def safe_binop(op: str, left, right):
    """Apply ``op`` ('+', '*', '**', '<<', '%') after checking the size of the result."""
    if op == '**':
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            _check_int_bits(abs(left).bit_length() * right, f'{left!r} ** {right!r}'[:80])
        return left ** right
    if op == '*':
        if isinstance(left, int) and isinstance(right, int):
            _check_int_bits(left.bit_length() + right.bit_length(), 'multiplication')
            return left * right
        for sequence, count in ((left, right), (right, left)):
            length = _sequence_length(sequence)
            if length is not None and isinstance(count, int) and length * count > MAX_SEQUENCE_LENGTH:
                raise _violation(f'repeating a sequence of {length} items {count} times exceeds the limit of '
                                 f'{MAX_SEQUENCE_LENGTH} items')
        return left * right
    if op == '<<':
        if isinstance(left, int) and isinstance(right, int) and left:
            _check_int_bits(left.bit_length() + right, 'left shift')
        return left << right
    if op == '+':
        left_length, right_length = _sequence_length(left), _sequence_length(right)
        if left_length is not None and right_length is not None \
                and left_length + right_length > MAX_SEQUENCE_LENGTH:
            raise _violation(f'concatenation of {left_length + right_length} items exceeds the limit of '
                             f'{MAX_SEQUENCE_LENGTH} items')
        return left + right
    if op == '%':
        if isinstance(left, str):
            _check_percent_format(left)
        return left % right
    raise _violation(f'operator {op!r} is not supported')


_PERCENT_SPEC = re.compile(r'%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?')


def _check_percent_format(template: str) -> None:
    for width, precision in _PERCENT_SPEC.findall(template):
        for number in (width, precision):
            if number == '*' or (number and int(number) > MAX_FORMAT_WIDTH):
                raise _violation(f'format width {number!r} in {template[:40]!r} exceeds the limit of '
                                 f'{MAX_FORMAT_WIDTH}')


_INPLACE = {'+=': '+', '*=': '*', '**=': '**', '<<=': '<<', '%=': '%'}
_PLAIN_INPLACE = {
    '-=': operator.sub, '/=': operator.truediv, '//=': operator.floordiv, '>>=': operator.rshift,
    '&=': operator.and_, '|=': operator.or_, '^=': operator.xor, '@=': operator.matmul,
}


def safe_inplacevar(op: str, left, right):
    """Apply an augmented assignment operator with the same size checks as ``safe_binop``."""
    if op in _INPLACE:
        return safe_binop(_INPLACE[op], left, right)
    if op in _PLAIN_INPLACE:
        return _PLAIN_INPLACE[op](left, right)
    raise _violation(f'operator {op!r} is not supported')


def _checked_width_method(method, name):
    def checked(*args):
        if args and isinstance(args[0], int) and args[0] > MAX_SEQUENCE_LENGTH:
            raise _violation(f'str.{name} width {args[0]} exceeds the limit of {MAX_SEQUENCE_LENGTH}')
        return method(*args)
    return checked


def _checked_replace(text, method):
    def checked(old, new, count=-1):
        occurrences = text.count(old) if count < 0 else min(count, text.count(old))
        if isinstance(new, str) and len(text) + occurrences * len(new) > MAX_SEQUENCE_LENGTH:
            raise _violation(f'str.replace would build a string longer than {MAX_SEQUENCE_LENGTH} characters')
        return method(old, new, count)
    return checked


def _checked_extend(target, method):
    def checked(items):
        length = _sequence_length(items)
        if length is not None and len(target) + length > MAX_SEQUENCE_LENGTH:
            raise _violation(f'list.extend would build a list longer than {MAX_SEQUENCE_LENGTH} items')
        return method(items)
    return checked


def guarded_getattr(obj, name, default=None):
    """Read an attribute unless it is private, introspective or a string formatter."""
    if not isinstance(name, str) or name.startswith('_') or name in _FORBIDDEN_ATTRIBUTES:
        raise _violation(f'access to the attribute {name!r} is not allowed in scripts')
    if isinstance(obj, ModuleType):
        raise _violation(f'access to module attributes ({name!r}) is not allowed in scripts')
    value = safer_getattr(obj, name, default)
    if isinstance(obj, list) and name == 'extend':
        return _checked_extend(obj, value)
    if isinstance(obj, str):
        if name in ('ljust', 'rjust', 'center', 'zfill', 'expandtabs'):
            return _checked_width_method(value, name)
        if name == 'replace':
            return _checked_replace(obj, value)
    return value


def guarded_getitem(obj, key):
    if isinstance(key, str) and key.startswith('_') and not isinstance(obj, dict):
        raise _violation(f'access to the item {key!r} is not allowed in scripts')
    return obj[key]


def guarded_apply(function, *args, **kwargs):
    return function(*args, **kwargs)


def _build_builtins() -> dict:
    names = {
        'len': len, 'min': min, 'max': max, 'sum': sum, 'sorted': sorted, 'round': round, 'abs': abs,
        'int': int, 'float': float, 'str': str, 'bool': bool, 'list': list, 'dict': dict, 'tuple': tuple,
        'set': set, 'any': any, 'all': all, 'enumerate': enumerate, 'zip': zip, 'range': safe_range,
        'isinstance': isinstance, 'reversed': reversed,
        'True': True, 'False': False, 'None': None,
        'ValueError': ValueError, 'KeyError': KeyError, 'TypeError': TypeError,
    }
    return names


SAFE_BUILTINS = _build_builtins()

# Rejected at compile time so the author gets a clear message instead of a NameError at run time.
FORBIDDEN_NAMES = frozenset({
    'open', 'eval', 'exec', 'compile', 'globals', 'locals', 'vars', 'type', 'getattr', 'setattr', 'delattr',
    'hasattr', 'dir', 'input', 'breakpoint', 'help', 'memoryview', 'object', 'super', 'print', 'exit', 'quit',
    'classmethod', 'staticmethod', 'property', 'iter', 'next', 'id', 'hash',
})


# --------------------------------------------------------------------------------------- compilation

class SandboxTransformer(RestrictingNodeTransformer):
    """Restrict the AST further and route size-sensitive operators through ``_safe_binop_``."""

    _CHECKED_OPS = {ast.Pow: '**', ast.Mult: '*', ast.LShift: '<<', ast.Add: '+', ast.Mod: '%'}

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        symbol = self._CHECKED_OPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(func=ast.Name('_safe_binop_', ast.Load()),
                        args=[ast.Constant(symbol), node.left, node.right], keywords=[])
        for new_node in (call, call.func, call.args[0]):
            ast.copy_location(new_node, node)
        return call

    def visit_Name(self, node):
        if node.id in FORBIDDEN_NAMES:
            self.error(node, f'The name "{node.id}" is not available in scripts.')
            return node
        return super().visit_Name(node)

    def visit_Import(self, node):
        return self._reject(node, 'imports')

    def visit_ImportFrom(self, node):
        return self._reject(node, 'imports')

    def _reject(self, node, construct):
        self.error(node, f'{construct} are not allowed in scripts.')
        return node

    # A script that catches exceptions could swallow the timeout and keep running untraced.
    def visit_Try(self, node):
        return self._reject(node, 'try/except/finally statements')

    def visit_TryStar(self, node):
        return self._reject(node, 'try/except* statements')

    def visit_ClassDef(self, node):
        return self._reject(node, 'class definitions')

    def visit_With(self, node):
        return self._reject(node, 'with statements')

    def visit_Global(self, node):
        return self._reject(node, 'global statements')

    def visit_Nonlocal(self, node):
        return self._reject(node, 'nonlocal statements')

    def visit_FormattedValue(self, node):
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            for part in parts:
                if not isinstance(part, ast.Constant):
                    self.error(node, 'f-string format specifications must be constant.')
                    return node
                numbers = [int(n) for n in re.findall(r'\d+', str(part.value))]
                if numbers and max(numbers) > MAX_FORMAT_WIDTH:
                    self.error(node, f'f-string format width above {MAX_FORMAT_WIDTH} is not allowed.')
                    return node
        return self.node_contents_visit(node)


@lru_cache(maxsize=2048)
def _compile(source: str, mode: str) -> CodeType:
    """Compile ``source`` in ``mode`` or raise SandboxViolation / ScriptError naming the first problem."""
    try:
        ast.parse(source, mode=mode)
    except SyntaxError as error:
        raise ScriptError(f'syntax error on line {error.lineno}: {error.msg}', line=error.lineno,
                          error_type='SyntaxError', code='script_syntax_error',
                          hint='correct the Python syntax of the script or expression') from None
    compile_function = compile_restricted_exec if mode == 'exec' else compile_restricted_eval
    result = compile_function(source, filename=SCRIPT_FILENAME, policy=SandboxTransformer)
    if result.errors or result.code is None:
        message = '; '.join(result.errors) or 'the script could not be compiled'
        line_match = re.search(r'Line (\d+)', message)
        raise SandboxViolation(message, line=int(line_match.group(1)) if line_match else None,
                               error_type='SandboxViolation',
                               hint='remove imports, names starting with "_" and the statements listed')
    return result.code


def check_source(source: str, mode: str = 'exec') -> str | None:
    """Return why ``source`` cannot run in the sandbox, or None when it compiles; nothing is executed."""
    if mode not in ('exec', 'eval'):
        raise ValueError(f"mode must be 'exec' or 'eval', not {mode!r}")
    try:
        _compile(source, mode)
    except ScriptError as error:
        return error.message
    return None


# ---------------------------------------------------------------------------------------- task data

def to_json_value(value, path: str = 'value', budget: list[int] | None = None):
    """Convert ``value`` into JSON-compatible data, or raise ValueError naming the offending path.

    Dates become ISO strings, Decimal becomes float, sets and tuples become lists; NaN and infinity are
    rejected because JSON cannot store them. ``budget`` contains the number of values still allowed, so data
    that repeats one big list many times is rejected instead of being copied.
    """
    if budget is None:
        budget = [MAX_DATA_VALUES]
    budget[0] -= 1
    if budget[0] < 0:
        raise SandboxViolation(f'task data contains more than {MAX_DATA_VALUES} values (at {path})',
                               hint='store summaries instead of large collections')
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f'{path} is {value}, which cannot be stored; check the arithmetic that produced it')
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return _format_utc(value) if value.utcoffset() == timedelta(0) else value.isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return to_json_value(float(value), path, budget)
    if isinstance(value, dict):
        return {str(key): to_json_value(item, f'{path}[{key!r}]', budget) for key, item in value.items()
                if not _is_code_like(item)}
    if isinstance(value, (list, tuple, set, frozenset, range)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [to_json_value(item, f'{path}[{index}]', budget) for index, item in enumerate(items)
                if not _is_code_like(item)]
    raise ValueError(f'{path} is a {type(value).__name__}, which cannot be stored; '
                     'store strings, numbers, booleans, lists or dicts')


def _is_code_like(value) -> bool:
    return callable(value) or isinstance(value, (ModuleType, FunctionType, type))


def clean_task_data(data: dict) -> None:
    """Drop functions and modules from ``data`` and convert the rest to JSON-compatible values, in place."""
    budget = [MAX_DATA_VALUES]
    for key in list(data):
        if key in _RESERVED_NAMES or _is_code_like(data[key]) or (isinstance(key, str) and key.startswith('_')):
            del data[key]
        else:
            data[key] = to_json_value(data[key], key, budget)


# ---------------------------------------------------------------------------------------- execution

def _read_rss_bytes() -> int | None:
    try:
        with open('/proc/self/statm', 'rb') as statm:
            return int(statm.read().split()[1]) * 4096
    except (OSError, ValueError, IndexError):
        return None


class _Bound:
    """Trace function that stops script code after a deadline, a call depth or a memory growth.

    Opcode events are enabled on script frames because Python 3.11 emits no line event for a one-line loop
    such as ``while True: pass``. Traced script code runs about ten times slower than plain Python.
    """

    def __init__(self, timeout_seconds: float, memory_growth_bytes: int | None):
        self.timeout_seconds = timeout_seconds
        self.deadline = time.monotonic() + timeout_seconds
        self.depth = 0
        self.events = 0
        self.memory_limit = None
        self.next_memory_check = 0.0
        if memory_growth_bytes:
            baseline = _read_rss_bytes()
            if baseline is not None:
                self.memory_limit = baseline + memory_growth_bytes

    def global_trace(self, frame, event, arg):
        if frame.f_code.co_filename != SCRIPT_FILENAME:
            return None
        self.depth += 1
        if self.depth > MAX_CALL_DEPTH:
            raise _violation(f'script calls are nested deeper than {MAX_CALL_DEPTH} levels (unbounded recursion?)')
        frame.f_trace_opcodes = True
        self.check()
        return self.local_trace

    def local_trace(self, frame, event, arg):
        if event == 'return':
            self.depth -= 1
        elif event == 'line':
            self.check()
        else:
            self.events += 1
            if not self.events & 63:
                self.check()
        return self.local_trace

    def check(self):
        now = time.monotonic()
        if now > self.deadline:
            raise ScriptTimeout(f'script ran longer than {self.timeout_seconds:g} s and was stopped',
                                error_type='ScriptTimeout',
                                hint='remove the endless loop or do less work in one script')
        if self.memory_limit is not None and now >= self.next_memory_check:
            self.next_memory_check = now + _MEMORY_CHECK_INTERVAL
            rss = _read_rss_bytes()
            if rss is not None and rss > self.memory_limit:
                raise _violation('script used too much memory and was stopped')


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment that runs every script and expression in the sandbox."""

    def __init__(self, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
                 clock: Callable[[], datetime] | None = None,
                 memory_growth_bytes: int | None = MAX_MEMORY_GROWTH_BYTES):
        if timeout_seconds <= 0:
            raise ValueError(f'timeout_seconds must be positive, not {timeout_seconds!r}')
        self.timeout_seconds = float(timeout_seconds)
        self.clock = clock or _utc_now
        self.memory_growth_bytes = memory_growth_bytes
        super().__init__(self._helpers())

    def _helpers(self) -> dict:
        def today() -> str:
            """Return today's date in UTC as 'YYYY-MM-DD'."""
            return self._now().date().isoformat()

        def now() -> str:
            """Return the current UTC time as 'YYYY-MM-DDTHH:MM:SSZ'."""
            return _format_utc(self._now())

        return {'date_add': date_add, 'days_between': days_between, 'today': today, 'now': now}

    def _now(self) -> datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)

    def _globals(self, context: dict, external_context: dict | None) -> dict:
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        # Set last so task data can never replace the guards.
        scope.update({
            '__builtins__': SAFE_BUILTINS,
            '__name__': 'script',
            '_getattr_': guarded_getattr,
            '_getitem_': guarded_getitem,
            '_getiter_': iter,
            '_write_': full_write_guard,
            '_iter_unpack_sequence_': guarded_iter_unpack_sequence,
            '_unpack_sequence_': guarded_unpack_sequence,
            '_inplacevar_': safe_inplacevar,
            '_apply_': guarded_apply,
            '_safe_binop_': safe_binop,
        })
        return scope

    def _run(self, code: CodeType, scope: dict, mode: str):
        bound = _Bound(self.timeout_seconds, self.memory_growth_bytes)
        previous = sys.gettrace()
        sys.settrace(bound.global_trace)
        try:
            if mode == 'eval':
                return eval(code, scope)
            exec(code, scope)
            return None
        finally:
            sys.settrace(previous)

    def evaluate(self, expression, context, external_context=None):
        code = _compile(expression, 'eval')
        result = self._run(code, self._globals(context, external_context), 'eval')
        if _is_code_like(result):
            raise _violation(f'expression {expression[:60]!r} returned a {type(result).__name__}, not a value')
        return to_json_value(result, 'result')

    def execute(self, script, context, external_context=None):
        code = _compile(script, 'exec')
        scope = self._globals(context, external_context)
        # A failed script leaves the task data as it was, so a retry starts from the same values.
        self._run(code, scope, 'exec')
        self._write_back(scope, context, external_context or {})
        return True

    def _write_back(self, scope: dict, context: dict, external_context: dict) -> None:
        """Copy the script's variables back into task data, dropping helpers, guards and deleted names."""
        updated = {}
        for key, value in scope.items():
            if key in _RESERVED_NAMES:
                continue
            if key in self.globals and value is self.globals[key]:
                continue
            if key in external_context and key not in context and value is external_context[key]:
                continue
            if _is_code_like(value) or key.startswith('_'):
                continue
            updated[key] = value
        # Convert before touching the task data so a value that cannot be stored leaves it unchanged.
        clean_task_data(updated)
        context.clear()
        context.update(updated)

    def call_service(self, context, **kwargs):
        raise _violation('service tasks are not supported; use a script task or a user task')


class SandboxScriptEngine(PythonScriptEngine):
    """Script engine bound to a SandboxEnvironment."""

    def __init__(self, environment: SandboxEnvironment):
        super().__init__(environment=environment)

    @property
    def timeout_seconds(self) -> float:
        return self.environment.timeout_seconds

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.environment.clock


def run_script(source: str, data: dict | None = None, *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
               clock: Callable[[], datetime] | None = None) -> dict:
    """Run ``source`` against a copy of ``data`` and return the resulting data (for tests and previews)."""
    environment = SandboxEnvironment(timeout_seconds=timeout_seconds, clock=clock)
    context = copy.deepcopy(data or {})
    environment.execute(source, context)
    return context


def evaluate_expression(expression: str, data: dict | None = None, *,
                        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
                        clock: Callable[[], datetime] | None = None):
    """Evaluate ``expression`` against a copy of ``data`` in the sandbox."""
    environment = SandboxEnvironment(timeout_seconds=timeout_seconds, clock=clock)
    return environment.evaluate(expression, copy.deepcopy(data or {}))
