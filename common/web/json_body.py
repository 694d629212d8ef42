"""The body of a JSON API request: one check, one message, for every view that takes a JSON object."""
from flask import request

from ..errors import ValidationError

NOT_AN_OBJECT = "请求体须是 JSON 对象 / the request body must be a JSON object"


def json_object(fix=None, absent_ok=False):
    """The request's JSON body as a dict; ValidationError (with FIX, when given) unless it is a JSON object.

    ABSENT_OK: a request without a (parsable) body stands for {} — for views whose every field is optional.
    """
    body = request.get_json(silent=True)  # None for no body and for unparsable JSON alike
    if body is None and absent_ok:
        return {}
    if not isinstance(body, dict):
        raise ValidationError(NOT_AN_OBJECT, fix=fix)
    return body
