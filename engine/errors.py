"""Exceptions raised by the process engine core.

Every error carries a stable snake_case ``code`` for programs and an English ``message`` for people that
names what failed, on which value, and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One deploy-time finding in a process bundle."""

    file: str | None
    element_id: str | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = ', '.join(part for part in (self.file, f'element {self.element_id}' if self.element_id else None)
                          if part)
        text = f'{where}: {self.message}' if where else self.message
        return f'{text}; {self.hint}' if self.hint else text


class EngineError(Exception):
    """Base class of every error the engine core raises on purpose."""

    code = 'engine_error'

    def __init__(self, message: str, *, code: str | None = None, file: str | None = None,
                 element_id: str | None = None, hint: str | None = None):
        # args[0] must stay a plain string: SpiffWorkflow concatenates it into its own messages.
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.file = file
        self.element_id = element_id
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class DeploymentError(EngineError):
    """A process bundle failed validation; ``problems`` lists every finding."""

    code = 'deployment_invalid'

    def __init__(self, problems: list[Problem], message: str | None = None):
        self.problems = list(problems)
        summary = message or '{} problem(s) found in the process files:\n{}'.format(
            len(self.problems), '\n'.join(f'- {problem}' for problem in self.problems))
        first = self.problems[0] if self.problems else None
        super().__init__(summary, file=first.file if first else None,
                         element_id=first.element_id if first else None,
                         hint='fix every listed problem and deploy again')


class TaskNotReady(EngineError):
    """A task was submitted that is not READY (already done, cancelled, or unknown)."""

    code = 'task_not_ready'

    def __init__(self, task_id: str, message: str | None = None, *, element_id: str | None = None):
        self.task_id = str(task_id)
        super().__init__(
            message or f'task {task_id} is not ready: it was completed, cancelled by a timer or does not exist; '
                       'reload the case to see its current tasks',
            element_id=element_id)


class ScriptError(EngineError):
    """A diagram script, condition or timer expression failed at run time."""

    code = 'script_failed'

    def __init__(self, message: str, *, element_id: str | None = None, line: int | None = None,
                 error_type: str | None = None, file: str | None = None, hint: str | None = None,
                 code: str | None = None):
        self.line = line
        self.error_type = error_type
        super().__init__(message, code=code, file=file, element_id=element_id, hint=hint)


class SandboxViolation(ScriptError):
    """A script tried something the sandbox forbids (imports, private attributes, huge values…)."""

    code = 'sandbox_violation'


class ScriptTimeout(ScriptError):
    """A script ran longer than the engine's CPU time bound."""

    code = 'script_timeout'


class WorkflowStalled(EngineError):
    """A workflow is not completed but has no READY or WAITING task left."""

    code = 'workflow_stalled'
