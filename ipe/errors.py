"""Exceptions raised by ipe's library; the CLI turns each into a one-line error."""


class IpeError(Exception):
    """Base class of every error ipe reports to a user."""


class ProjectError(IpeError):
    """The project folder or its store is missing, unreadable or of an unknown version."""


class ProjectBusy(IpeError):
    """Another process holds the project's write lock."""


class ProblemsError(IpeError):
    """A file with problems, all found before reporting; the message names the first and counts the rest.

    Every error about a file's content is one of these, so a problem list is reported one way everywhere.

    >>> str(ProblemsError("survey.csv", ["line 3: 'often' is not yes or no", "line 5: empty id"]))
    "survey.csv: line 3: 'often' is not yes or no (and 1 more problems)"
    """

    what = "problems"

    def __init__(self, path, problems):
        self.path = str(path)
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        first = self.problems[0] if self.problems else "invalid file"
        more = f" (and {len(self.problems) - 1} more {self.what})" if len(self.problems) > 1 else ""
        super().__init__(f"{self.path}: {first}{more}")


class CodebookError(ProblemsError):
    """A codebook file is malformed; ``problems`` lists every problem found."""


class SourceError(ProblemsError):
    """A transcript or data file cannot be read or parsed: one problem, or every problem found in it."""

    @property
    def problem(self) -> str:
        """The first problem."""
        return self.problems[0] if self.problems else "invalid file"


class ManifestError(SourceError):
    """A manifest CSV (or a names or organisations list) is malformed or names files that do not exist."""

    what = "rows"


class CodingError(ProblemsError):
    """Codings cannot be placed: unknown codes or sources, offsets that do not match their quote."""

    what = "rows"


class NotFound(IpeError):
    """A named source, code, coder or memo does not exist in the project."""


class EvidenceError(ProblemsError):
    """An evidence file cannot be placed: unknown configurations or sources, quotes not in the text, bad relations."""

    what = "rows"


class Forbidden(IpeError):
    """The user's role or assignments do not allow this action."""


class Conflict(IpeError):
    """Someone else changed the record since it was read; the edit was refused, not merged."""
