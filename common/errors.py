"""The one error hierarchy of sanji, and its mapping to HTTP statuses and CLI exit codes.

Every error carries a message for the person who sees it and, where there is one, the fix.
Views and the CLI never invent their own messages for these: they call `http_status` /
`cli_exit_code` / `describe` here.
"""


class SanjiError(Exception):
    """Base of every error sanji raises on purpose."""

    code = "error"
    http_status = 500
    exit_code = 1

    def __init__(self, message, fix=None, details=None):
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.details = list(details or [])

    def to_dict(self):
        """The JSON body an API answers with."""
        body = {"error": self.code, "message": self.message}
        if self.fix:
            body["fix"] = self.fix
        if self.details:
            body["details"] = self.details
        return body


class ValidationError(SanjiError):
    """Input that does not meet the rules; `details` lists every problem found."""

    code = "invalid"
    http_status = 400
    exit_code = 2

    def __init__(self, message, fix=None, details=None, fields=None):
        super().__init__(message, fix, details)
        self.fields = dict(fields or {})  # {form field: message}, for an error summary

    def to_dict(self):
        """The JSON body, with per-field messages when there are any."""
        body = super().to_dict()
        if self.fields:
            body["fields"] = self.fields
        return body


class TooLarge(ValidationError):
    """An upload (or request) larger than this node takes."""

    code = "too_large"
    http_status = 413


class ConfigError(SanjiError):
    """A configuration file, flag or environment variable is wrong."""

    code = "config"
    http_status = 500
    exit_code = 2


class NotFound(SanjiError):
    """The thing asked for does not exist here."""

    code = "not_found"
    http_status = 404
    exit_code = 3


class AuthRequired(SanjiError):
    """Not signed in, or wrong credentials."""

    code = "auth_required"
    http_status = 401
    exit_code = 4


class Forbidden(SanjiError):
    """Signed in, but this role may not do this."""

    code = "forbidden"
    http_status = 403
    exit_code = 4


class PasswordChangeRequired(Forbidden):
    """Signed in with a temporary password an administrator set: it must be changed first."""

    code = "password_change_required"


class CsrfFailed(SanjiError):
    """A state-changing request without this session's CSRF token."""

    code = "csrf"
    http_status = 400
    exit_code = 4


class LockedOut(SanjiError):
    """Too many failed sign-ins: the account is locked for a while."""

    code = "locked"
    http_status = 423
    exit_code = 4


class TooMany(SanjiError):
    """Too many requests of a kind from one client, or too much held for it: wait, or finish what is pending."""

    code = "too_many"
    http_status = 429
    exit_code = 4


class Conflict(SanjiError):
    """The request contradicts what is stored (e.g. an event id reused with other content)."""

    code = "conflict"
    http_status = 409
    exit_code = 5


class TransitionError(Conflict):
    """An application event that its current state does not allow."""

    code = "transition_refused"


class CustodyError(Forbidden):
    """A decision event from a node that does not hold custody of the application."""

    code = "custody"


class Unavailable(SanjiError):
    """Something this needs (the county hub over the link, an outside server) cannot be reached now."""

    code = "unavailable"
    http_status = 503
    exit_code = 7


class StorageError(SanjiError):
    """The database could not be opened or used."""

    code = "storage"
    http_status = 500
    exit_code = 6


class MigrationError(StorageError):
    """A schema migration failed (and was rolled back) or the history does not match."""

    code = "migration"


def http_status(exc):
    """HTTP status for any exception: SanjiErrors carry theirs, anything else is a 500."""
    return exc.http_status if isinstance(exc, SanjiError) else 500


def cli_exit_code(exc):
    """Process exit code for the CLI."""
    return exc.exit_code if isinstance(exc, SanjiError) else 1


def describe(exc):
    """One human paragraph: the message, each detail, then the fix."""
    if not isinstance(exc, SanjiError):
        return f"内部错误 / internal error: {exc!r}"
    lines = [exc.message]
    lines += [f"  - {d}" for d in exc.details]
    if exc.fix:
        lines.append(f"修正方法 / fix: {exc.fix}")
    return "\n".join(lines)
