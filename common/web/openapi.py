"""The OpenAPI 3 document of a node's JSON API, built from the URL map and `@api` declarations."""
import re

from flask import current_app

from .. import __version__


def api(summary, tag="general", request_body=None, responses=None, query=None, status=200, returns="object"):
    """Declare a JSON endpoint for the OpenAPI document.

    QUERY maps query parameter names to descriptions; STATUS is the success code (201 for what
    creates), RETURNS the JSON type of its body ("object" or "array").
    """
    def decorate(view):
        view._openapi = {"summary": summary, "tag": tag, "request_body": request_body, "responses": responses,
                         "query": query or {}, "status": status, "returns": returns}
        return view
    return decorate


ERROR_SCHEMA = {
    "type": "object", "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "fix": {"type": "string"},
                   "details": {"type": "array", "items": {"type": "string"}},
                   "fields": {"type": "object", "additionalProperties": {"type": "string"}}},
}


def _path(rule):
    return re.sub(r"<(?:[a-z]+:)?([a-zA-Z_]+)>", r"{\1}", rule.rule)


def build_spec(title):
    """The OpenAPI document for every /api/ route and /healthz of the current app."""
    paths = {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not (rule.rule.startswith("/api/") or rule.rule == "/healthz"):
            continue
        view = current_app.view_functions[rule.endpoint]
        doc = getattr(view, "_openapi", None) or {"summary": rule.endpoint, "tag": "general"}
        access = getattr(view, "_sanji_access", None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op = {"summary": doc["summary"], "tags": [doc["tag"]], "operationId": f"{rule.endpoint}.{method.lower()}",
                  "responses": doc.get("responses") or {
                      str(doc.get("status", 200)): {"description": "Created" if doc.get("status") == 201 else "OK",
                                                    "content": {"application/json": {"schema": {
                                                        "type": doc.get("returns", "object")}}}},
                      "default": {"description": "error",
                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}
            params = [{"name": a, "in": "path", "required": True, "schema": {"type": "string"}} for a in rule.arguments]
            params += [{"name": q, "in": "query", "required": False, "description": text, "schema": {"type": "string"}}
                       for q, text in (doc.get("query") or {}).items()]
            if params:
                op["parameters"] = params
            if doc.get("request_body"):
                op["requestBody"] = {"required": True, "content": {"application/json": {"schema": doc["request_body"]}}}
            if access != "public":
                op["security"] = [{"session": [], "csrf": []}] if method != "GET" else [{"session": []}]
                op["x-sanji-roles"] = sorted(access) if isinstance(access, frozenset) else access
            else:
                op["security"] = []
            paths.setdefault(_path(rule), {})[method.lower()] = op
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": __version__},
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "sanji_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
        },
    }
