"""A Babel extractor for Python modules that also keep message ids in module-level constants.

Some services hold English message ids in dictionaries or constants (upload errors, e-mail texts) and translate
them later with a variable, which the standard extractor cannot see. Listing those constant names in
`web/babel.cfg` (option `constants`) puts their string values in the catalog too.
"""

from __future__ import annotations

import ast

from babel.messages.extract import extract_python


def _strings(node: ast.AST):
    """Yield (line, text) for every string literal in a constant or a dictionary's values."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.lineno, node.value
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value)


def extract_python_with_constants(fileobj, keywords, comment_tags, options):
    """Yield the messages of the standard Python extractor, then those of the listed constants."""
    yield from extract_python(fileobj, keywords, comment_tags, options)

    names = set((options.get("constants") or "").split())
    if not names:
        return
    fileobj.seek(0)
    tree = ast.parse(fileobj.read().decode(options.get("encoding", "utf-8")))
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        if any(isinstance(target, ast.Name) and target.id in names for target in targets):
            for line, text in _strings(value):
                yield line, None, text, []
