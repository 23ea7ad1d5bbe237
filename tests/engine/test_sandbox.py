"""Sandbox: classic escapes are blocked with a clear error, ordinary scripts work."""

import time
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from engine.errors import SandboxViolation, ScriptError, ScriptTimeout
from engine.sandbox import SandboxEnvironment, check_source, evaluate_expression, run_script

SHORT = 0.5  # seconds; keeps the timeout tests fast


@pytest.mark.parametrize('source, expected', [
    ('x = ().__class__.__base__.__subclasses__()', '__class__'),
    ('import os', 'imports are not allowed'),
    ('from os import path', 'imports are not allowed'),
    ("__import__('os')", '__import__'),
    ('x = date_add.__globals__', '__globals__'),
    ('x = date_add.__code__', '__code__'),
    ("x = getattr(1, '__class__')", '"getattr" is not available'),
    ("x = open('/etc/hostname').read()", '"open" is not available'),
    ("x = eval('1')", '"eval" is not available'),
    ("x = exec('y = 1')", '"exec" is not available'),
    ("x = compile('1', 'f', 'eval')", '"compile" is not available'),
    ('x = globals()', '"globals" is not available'),
    ('x = vars()', '"vars" is not available'),
    ('x = type(1)', '"type" is not available'),
    ('try:\n    x = 1\nexcept Exception:\n    pass', 'try/except/finally'),
    ('class A:\n    pass', 'class definitions'),
    ("x = f'{settings.__class__}'", '__class__'),
])
def test_escape_rejected_at_compile_time(source, expected):
    with pytest.raises(SandboxViolation) as caught:
        run_script(source, {'settings': {}})
    assert expected in caught.value.message
    assert check_source(source, 'exec') is not None


@pytest.mark.parametrize('source', [
    "x = '{0.__class__}'.format(1)",
    "x = '{0.__class__}'.format_map({})",
    "f = str.format\nx = f('{0.__class__}', 1)",
    "x = str.mro()",
])
def test_escape_rejected_at_run_time(source):
    with pytest.raises(SandboxViolation) as caught:
        run_script(source)
    assert 'not allowed' in caught.value.message


@pytest.mark.parametrize('source, expected', [
    ('x = 9**9**9', 'bits'),
    ('x = 2 ** 100000', 'bits'),
    ("x = 'a' * 10**10", 'repeating a sequence'),
    ('x = [0] * 10**7', 'repeating a sequence'),
    ('x = list(range(10**10))', 'range of'),
    ('x = 1 << 10**8', 'left shift'),
    ("s = 'a'\nwhile True:\n    s = s + s", 'concatenation'),
    ("s = 'a'\nfor i in range(100):\n    s += s", 'concatenation'),
    ('n = 10**1000\nwhile True:\n    n = n * n', 'multiplication'),
    ("x = '%*s' % (10**9, 'a')", 'format width'),
    ("x = f'{1:>1000000000}'", 'format width'),
    ("x = 'a'.ljust(10**9)", 'ljust'),
    ("s = 'a' * 1000\ns = s.replace('', s)", 'replace'),
    ('l = [1]\nwhile True:\n    l.extend(l)', 'extend'),
])
def test_huge_values_rejected(source, expected):
    with pytest.raises(SandboxViolation) as caught:
        run_script(source, timeout_seconds=5)
    assert expected in caught.value.message


def test_infinite_loop_stops_within_bound():
    started = time.monotonic()
    with pytest.raises(ScriptTimeout) as caught:
        run_script('while True: pass', timeout_seconds=SHORT)
    elapsed = time.monotonic() - started
    assert elapsed < SHORT + 0.5
    assert 'longer than 0.5 s' in caught.value.message


def test_default_bound_is_two_seconds():
    started = time.monotonic()
    with pytest.raises(ScriptTimeout):
        run_script('x = 0\nwhile True:\n    x = x + 1')
    assert 1.9 < time.monotonic() - started < 3.0


def test_infinite_condition_stops():
    with pytest.raises(ScriptTimeout):
        evaluate_expression('all(True for x in range(10**6) for y in range(10**6))', timeout_seconds=SHORT)


def test_recursion_bomb_rejected():
    with pytest.raises(SandboxViolation) as caught:
        run_script('def f(n):\n    return f(n + 1)\nx = f(0)')
    assert 'nested deeper' in caught.value.message


def test_lambda_recursion_rejected():
    with pytest.raises(SandboxViolation):
        run_script('f = lambda g: g(g)\nx = f(f)')


def test_sandbox_runs_in_worker_thread():
    import threading

    outcome = {}

    def worker():
        try:
            run_script('while True: pass', timeout_seconds=SHORT)
        except ScriptTimeout as error:
            outcome['error'] = error

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(5)
    assert not thread.is_alive()
    assert isinstance(outcome.get('error'), ScriptTimeout)


def test_normal_script_works():
    source = '\n'.join([
        'total = sum([a, b, 3]) * 2 - abs(-1)',
        'ratio = round(total / 4, 2)',
        'squares = [i * i for i in range(5)]',
        'by_name = {k: len(v) for k, v in names.items()}',
        "label = ('case ' + reference).upper().strip()",
        "parts = reference.split('-')",
        "rate = settings['rate']",
        'count = 0',
        'for name in sorted(names):',
        '    count += 1',
        'flags = any([a > 1, b > 1]) and all([True])',
        'pairs = list(zip([1, 2], [3, 4]))',
        'indexed = [i for i, value in enumerate(parts)]',
        'power = 2 ** 10',
        "text = '%s/%d' % ('x', 3)",
        "fstring = f'{reference}:{total:>5}'",
        'del a',
    ])
    result = run_script(source, {'a': 1, 'b': 2, 'names': {'x': 'ab', 'y': 'c'}, 'reference': 'as-2026-1',
                                 'settings': {'rate': 0.5}})
    assert result['total'] == 11
    assert result['ratio'] == 2.75
    assert result['squares'] == [0, 1, 4, 9, 16]
    assert result['by_name'] == {'x': 2, 'y': 1}
    assert result['label'] == 'CASE AS-2026-1'
    assert result['rate'] == 0.5
    assert result['count'] == 2
    assert result['flags'] is True
    assert result['pairs'] == [[1, 3], [2, 4]]
    assert result['power'] == 1024
    assert result['text'] == 'x/3'
    assert result['fstring'] == 'as-2026-1:   11'
    assert 'a' not in result


def test_functions_defined_in_script_are_not_stored():
    result = run_script('def double(n):\n    return n * 2\nx = double(4)\nf = lambda y: y')
    assert result == {'x': 8}


def test_date_helpers():
    result = run_script('\n'.join([
        "a = date_add('2026-11-03', days=10)",
        "b = date_add('2026-11-03', hours=5)",
        "c = date_add('2026-11-03T10:00:00Z', days=1, hours=2)",
        "d = date_add('2026-11-03T10:00:00+01:00', days=0)",
        "e = days_between('2026-11-03', '2026-12-01')",
        "f = days_between('2026-12-01T23:00:00Z', '2026-11-03')",
    ]))
    assert result['a'] == '2026-11-13'
    assert result['b'] == '2026-11-03T05:00:00Z'
    assert result['c'] == '2026-11-04T12:00:00Z'
    assert result['d'] == '2026-11-03T09:00:00Z'
    assert result['e'] == 28
    assert result['f'] == -28


def test_today_and_now_read_injected_clock():
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)
    result = run_script('t = today()\nn = now()\nlater = date_add(today(), days=2)', clock=lambda: moment)
    assert result == {'t': '2026-03-01', 'n': '2026-03-01T23:30:00Z', 'later': '2026-03-03'}


def test_bad_date_has_clear_message():
    with pytest.raises(ValueError) as caught:
        run_script("x = date_add('03/11/2026', days=1)")
    assert 'not an ISO 8601 date' in str(caught.value)


def test_results_stay_json_serialisable():
    environment = SandboxEnvironment()
    context = {'start': date(2026, 1, 2), 'amount': Decimal('12.5')}
    environment.execute('pair = (1, 2)\nunique = {3}\nsame = start\nmoney = amount', context)
    assert context == {'start': '2026-01-02', 'amount': 12.5, 'pair': [1, 2], 'unique': [3],
                       'same': '2026-01-02', 'money': 12.5}


def test_nan_result_is_rejected():
    with pytest.raises(ValueError) as caught:
        run_script("x = float('nan')")
    assert 'x is nan' in str(caught.value)


def test_failed_script_leaves_data_unchanged():
    context = {'a': 1}
    with pytest.raises(ZeroDivisionError):
        SandboxEnvironment().execute('a = 2\nb = 1 / 0', context)
    assert context == {'a': 1}


def test_task_data_cannot_replace_guards():
    with pytest.raises(SandboxViolation):
        run_script('x = date_add.__globals__', {'_getattr_': 'overridden', '__builtins__': {'getattr': getattr}})


def test_conditions_evaluate():
    assert evaluate_expression("amount > 100 and kind == 'pe'", {'amount': 150, 'kind': 'pe'}) is True
    assert evaluate_expression('len(items) == 0', {'items': []}) is True


def test_check_source_reports_without_running():
    assert check_source('x = (', 'exec').startswith('syntax error on line 1')
    assert check_source('import os', 'exec') is not None
    assert check_source('while True: pass', 'exec') is None
    assert check_source('amount > 1', 'eval') is None
    assert check_source('x = 1', 'eval') is not None


def test_syntax_error_is_script_error():
    with pytest.raises(ScriptError) as caught:
        run_script('x = (')
    assert caught.value.line == 1
    assert caught.value.code == 'script_syntax_error'


def test_item_assignment_and_unpacking():
    source = "d = {}\nd['a'] = 1\nl = [0]\nl[0] = 5\nl.append(2)\nsettings['x'] = 3\na, b = 1, 2\ny = 5 if a else 6"
    result = run_script(source, {'settings': {}})
    assert result == {'settings': {'x': 3}, 'd': {'a': 1}, 'l': [5, 2], 'a': 1, 'b': 2, 'y': 5}


def test_attribute_assignment_rejected():
    with pytest.raises(Exception) as caught:
        run_script('settings.x = 1', {'settings': {}})
    assert 'attribute' in str(caught.value).lower()
