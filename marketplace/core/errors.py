"""The one shape of a broken business rule, shared by every domain's services."""


class DomainError(Exception):
    """A rule was broken. `message` is for the user, already in their language (usually a lazy string);
    `status` is the HTTP status a view answers with (422 bad input, 403 not yours, 404 not there, 409 not in
    this state, 413 too large); `errors` maps form field names to messages, so a form can show each one next
    to its field (`field` is the shorthand for one)."""

    status = 422

    def __init__(self, message, field: str | None = None, status: int | None = None, errors: dict | None = None):
        super().__init__(message)  # kept lazy: translated when shown, in the reader's language
        self.message, self.field = message, field
        self.errors = dict(errors) if errors else ({field: message} if field else {})
        if status is not None:
            self.status = status
