"""Generate random data valid against a served (resolved) form schema, for end-to-end tests.

Covers the JSON Schema subset of docs/forms.md: strings (minLength, maxLength, pattern), the formats date,
date-time, time, email and data-url, formatMinimum/formatMaximum, integer and number bounds, booleans, oneOf
const, enum, arrays of unique choices, and `if`/`then` conditional requirements. Every draw comes from the
`random.Random` passed in, so a seed replays the same data.
"""

from __future__ import annotations

import base64
import math
import random
import re
import string
from datetime import UTC, date, datetime, time, timedelta

from jsonschema import Draft202012Validator

# The smallest file the document store sniffs as a PDF.
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PDF_DATA_URL = "data:application/pdf;name=scan.pdf;base64," + base64.b64encode(MINIMAL_PDF).decode()

# Letters of French and Arabic text, so free text exercises more than ASCII.
TEXT_ALPHABET = string.ascii_letters + string.digits + "éèàçôÉ" + "مدرسةالحادث"
# Dates without bounds fall this many days around today, past-leaning like real accident files.
DEFAULT_DAYS_BEFORE = 60
DEFAULT_DAYS_AFTER = 30
OPTIONAL_FIELD_PROBABILITY = 0.5
MAX_ATTEMPTS = 500


class GenerationError(ValueError):
    """A schema the generator cannot satisfy, such as an empty enum or a pattern it does not support."""


# --- Regular expressions -----------------------------------------------------------------------------------


class RegexGenerator:
    """Generate strings matching a regular expression of literals, classes, groups, `|` and quantifiers.

    Supports `^`, `$`, `.`, `\\d`, `\\w`, `\\s`, escaped literals, `[...]` classes with ranges and `^`
    negation, `(...)` and `(?:...)` groups with alternation, and `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`.
    Back-references and look-arounds raise GenerationError.
    """

    UNBOUNDED_REPEAT = 8
    PRINTABLE = tuple(chr(code) for code in range(0x21, 0x7F))

    def __init__(self, pattern: str, rng: random.Random):
        self.pattern = pattern
        self.rng = rng
        self.position = 0
        self.tree = self._alternation()
        if self.position != len(pattern):
            raise GenerationError(f"unsupported regular expression {pattern!r} at offset {self.position}")

    def generate(self) -> str:
        return self._emit(self.tree)

    # The tree: ("alt", [seq...]), ("seq", [node...]), ("chars", [c...]), ("repeat", node, lo, hi), ("empty",)
    def _peek(self) -> str | None:
        return self.pattern[self.position] if self.position < len(self.pattern) else None

    def _take(self) -> str:
        character = self.pattern[self.position]
        self.position += 1
        return character

    def _alternation(self):
        branches = [self._sequence()]
        while self._peek() == "|":
            self._take()
            branches.append(self._sequence())
        return ("alt", branches)

    def _sequence(self):
        items = []
        while self._peek() not in (None, "|", ")"):
            atom = self._atom()
            items.append(self._quantified(atom))
        return ("seq", items)

    def _atom(self):
        character = self._take()
        if character in "^$":
            return ("empty",)
        if character == ".":
            return ("chars", self.PRINTABLE)
        if character == "(":
            if self.pattern.startswith("?:", self.position):
                self.position += 2
            elif self._peek() == "?":
                raise GenerationError(f"look-arounds are not supported in {self.pattern!r}")
            inner = self._alternation()
            if self._peek() != ")":
                raise GenerationError(f"unbalanced group in {self.pattern!r}")
            self._take()
            return inner
        if character == "[":
            return ("chars", self._class())
        if character == "\\":
            return ("chars", self._escape(self._take()))
        return ("chars", [character])

    def _escape(self, character: str) -> list[str]:
        if character == "d":
            return list(string.digits)
        if character == "w":
            return list(string.ascii_letters + string.digits + "_")
        if character == "s":
            return [" "]
        if character.isdigit():
            raise GenerationError(f"back-references are not supported in {self.pattern!r}")
        return [character]

    def _class(self) -> list[str]:
        negated = self._peek() == "^"
        if negated:
            self._take()
        members: list[str] = []
        first = True
        while True:
            if self._peek() is None:
                raise GenerationError(f"unterminated character class in {self.pattern!r}")
            character = self._take()
            if character == "]" and not first:
                break
            first = False
            if character == "\\":
                members.extend(self._escape(self._take()))
                continue
            if self._peek() == "-" and self.pattern[self.position + 1:self.position + 2] not in ("", "]"):
                self._take()
                end = self._take()
                members.extend(chr(code) for code in range(ord(character), ord(end) + 1))
                continue
            members.append(character)
        if negated:
            return [candidate for candidate in self.PRINTABLE if candidate not in members]
        return members

    def _quantified(self, atom):
        character = self._peek()
        if character == "?":
            self._take()
            node = ("repeat", atom, 0, 1)
        elif character == "*":
            self._take()
            node = ("repeat", atom, 0, self.UNBOUNDED_REPEAT)
        elif character == "+":
            self._take()
            node = ("repeat", atom, 1, self.UNBOUNDED_REPEAT)
        elif character == "{" and re.match(r"\{\d+(,\d*)?\}", self.pattern[self.position:]):
            text = re.match(r"\{(\d+)(,(\d*))?\}", self.pattern[self.position:])
            self.position += len(text.group(0))
            low = int(text.group(1))
            if text.group(2) is None:
                high = low
            elif text.group(3):
                high = int(text.group(3))
            else:
                high = low + self.UNBOUNDED_REPEAT
            node = ("repeat", atom, low, high)
        else:
            return atom
        if self._peek() == "?":  # a lazy quantifier matches the same strings
            self._take()
        return node

    def _emit(self, node) -> str:
        kind = node[0]
        if kind == "alt":
            return self._emit(self.rng.choice(node[1]))
        if kind == "seq":
            return "".join(self._emit(item) for item in node[1])
        if kind == "chars":
            return self.rng.choice(node[1])
        if kind == "repeat":
            _, inner, low, high = node
            return "".join(self._emit(inner) for _ in range(self.rng.randint(low, high)))
        return ""


# --- Scalars -----------------------------------------------------------------------------------------------


def _length_bounds(schema: dict) -> tuple[int, int]:
    low = int(schema.get("minLength", 1))
    high = int(schema.get("maxLength", max(low, 40)))
    return max(low, 1), high


def _fits(text: str, schema: dict) -> bool:
    """Tell whether `text` meets the string keywords and would survive a server that strips blanks."""
    low, high = _length_bounds(schema)
    if not low <= len(text) <= high or text != text.strip():
        return False
    pattern = schema.get("pattern")
    return pattern is None or re.search(pattern, text) is not None


def random_text(schema: dict, rng: random.Random) -> str:
    low, high = _length_bounds(schema)
    pattern = schema.get("pattern")
    for _ in range(MAX_ATTEMPTS):
        if pattern:
            candidate = RegexGenerator(pattern, rng).generate()
        else:
            length = rng.randint(low, min(high, low + 40))
            words = []
            while sum(len(word) + 1 for word in words) < length:
                words.append("".join(rng.choice(TEXT_ALPHABET) for _ in range(rng.randint(1, 9))))
            candidate = " ".join(words)[:length].strip()
            candidate += "x" * (length - len(candidate))
        if _fits(candidate, schema):
            return candidate
    raise GenerationError(f"no string of length {low}..{high} matching {pattern!r} found")


def _date_bounds(schema: dict, today: date) -> tuple[date, date]:
    low = date.fromisoformat(schema["formatMinimum"][:10]) if "formatMinimum" in schema else None
    high = date.fromisoformat(schema["formatMaximum"][:10]) if "formatMaximum" in schema else None
    if low is None:
        low = min(today - timedelta(days=DEFAULT_DAYS_BEFORE), high or today)
    if high is None:
        high = max(today + timedelta(days=DEFAULT_DAYS_AFTER), low)
    if low > high:
        raise GenerationError(f"empty date range {low}..{high}")
    return low, high


def random_date(schema: dict, rng: random.Random, today: date) -> str:
    low, high = _date_bounds(schema, today)
    return (low + timedelta(days=rng.randint(0, (high - low).days))).isoformat()


def random_date_time(schema: dict, rng: random.Random, today: date) -> str:
    day = date.fromisoformat(random_date(schema, rng, today))
    moment = datetime.combine(day, time(rng.randint(7, 17), rng.randrange(0, 60, 5)), tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def random_time(rng: random.Random) -> str:
    # Without an offset, because jsonschema 4.26 without rfc3339-validator checks "time" as HH:MM:SS.
    return f"{rng.randint(0, 23):02d}:{rng.randrange(0, 60):02d}:00"


def random_email(schema: dict, rng: random.Random) -> str:
    local = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10)))
    address = f"{local}.{rng.randint(1, 999)}@example.ma"
    high = schema.get("maxLength")
    if high is not None and len(address) > high:
        address = f"{local[: max(1, high - 11)]}@exa.ma"
    return address


def _decimal_places(step: float) -> int:
    text = repr(float(step))
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def random_number(schema: dict, rng: random.Random, integer: bool) -> int | float:
    """Return a multiple of `multipleOf` (1 or 0.01 by default) within the schema's bounds."""
    step = schema.get("multipleOf", 1 if integer else 0.01)
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    high = schema.get("maximum", schema.get("exclusiveMaximum", max(low, 0) + 1000))
    # Bounds in units of `step`, narrowed by one where the bound itself is excluded.
    first = math.ceil(low / step)
    last = math.floor(high / step)
    if "exclusiveMinimum" in schema and first * step <= schema["exclusiveMinimum"]:
        first += 1
    if "exclusiveMaximum" in schema and last * step >= schema["exclusiveMaximum"]:
        last -= 1
    if first > last:
        raise GenerationError(f"no number in {low}..{high} that is a multiple of {step}")
    count = rng.randint(first, last)
    if integer:
        return int(count * step)
    return round(count * step, _decimal_places(step))


# --- Values and objects ------------------------------------------------------------------------------------


def _choices(schema: dict) -> list | None:
    if isinstance(schema.get("oneOf"), list):
        return [option["const"] for option in schema["oneOf"] if isinstance(option, dict) and "const" in option]
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    return None


def random_value(schema: dict, rng: random.Random, today: date):
    """Return one random value valid against the property schema `schema`."""
    choices = _choices(schema)
    if choices is not None:
        if not choices:
            raise GenerationError(f"no choice offered by {schema.get('title', schema)!r}")
        return rng.choice(choices)

    kind = schema.get("type")
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("integer", "number"):
        return random_number(schema, rng, integer=kind == "integer")
    if kind == "array":
        return random_array(schema, rng, today)
    if kind != "string":
        raise GenerationError(f"unsupported type {kind!r}")

    value_format = schema.get("format")
    if value_format == "date":
        return random_date(schema, rng, today)
    if value_format == "date-time":
        return random_date_time(schema, rng, today)
    if value_format == "time":
        return random_time(rng)
    if value_format == "email":
        return random_email(schema, rng)
    if value_format == "data-url" or "x-document-type" in schema:
        return PDF_DATA_URL
    return random_text(schema, rng)


def random_array(schema: dict, rng: random.Random, today: date) -> list:
    items = schema.get("items") or {}
    choices = _choices(items)
    low = int(schema.get("minItems", 0))
    if choices is not None:
        high = min(int(schema.get("maxItems", len(choices))), len(choices))
        if low > high:
            raise GenerationError(f"cannot pick {low} distinct items from {len(choices)} choices")
        return rng.sample(choices, rng.randint(low, high))
    high = int(schema.get("maxItems", low + 3))
    target = rng.randint(low, high)
    values: list = []
    for _ in range(MAX_ATTEMPTS):
        if len(values) == target:
            return values
        value = random_value(items, rng, today)
        if not schema.get("uniqueItems") or value not in values:
            values.append(value)
    raise GenerationError(f"could not draw {target} distinct items")


def _active_branches(schema: dict, data: dict) -> list[dict]:
    """Return the `then` or `else` branch that each `if` rule of the schema selects for `data`."""
    branches = []
    rules = [schema, *(item for item in schema.get("allOf", []) if isinstance(item, dict))]
    for rule in rules:
        if "if" not in rule:
            continue
        matched = Draft202012Validator(rule["if"]).is_valid(data)
        branch = rule.get("then" if matched else "else")
        if isinstance(branch, dict):
            branches.append(branch)
    return branches


def random_object(schema: dict, rng: random.Random, today: date | None = None,
                  optional_probability: float = OPTIONAL_FIELD_PROBABILITY) -> dict:
    """Return random data for a whole form: every required field, each optional one by chance.

    Read-only fields are left out because the server shows them from the case data. Fields that a conditional
    branch requires are added, and values that break a branch's own property keywords (such as `minItems`) are
    drawn again under those keywords, until every branch is met.
    """
    today = today or datetime.now(UTC).date()
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    data: dict = {}
    for name, prop in properties.items():
        if prop.get("readOnly"):
            continue
        if name in required or rng.random() < optional_probability:
            data[name] = random_value(prop, rng, today)

    for _ in range(2 * len(properties) + 2):
        changed = False
        for branch in _active_branches(schema, data):
            extra = branch.get("properties", {})
            for name in sorted(set(branch.get("required", [])) | set(extra)):
                narrowed = {**properties.get(name, {"type": "string"}), **extra.get(name, {})}
                needed = name in branch.get("required", [])
                if name in data and Draft202012Validator(narrowed).is_valid(data[name]):
                    continue
                if name in data or needed:
                    data[name] = random_value(narrowed, rng, today)
                    changed = True
        if not changed:
            return data
    raise GenerationError("conditional requirements did not settle")


def format_bound_errors(schema: dict, data: dict) -> list[str]:
    """Return the formatMinimum/formatMaximum violations in `data`, which jsonschema does not check."""
    errors = []
    for name, prop in schema.get("properties", {}).items():
        value = data.get(name)
        if not isinstance(value, str) or prop.get("format") not in ("date", "date-time"):
            continue
        day = value[:10]
        if "formatMinimum" in prop and day < prop["formatMinimum"][:10]:
            errors.append(f"{name}: {day} is before {prop['formatMinimum']}")
        if "formatMaximum" in prop and day > prop["formatMaximum"][:10]:
            errors.append(f"{name}: {day} is after {prop['formatMaximum']}")
    return errors
