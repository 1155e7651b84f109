"""OpenAPI schema post-processing (drf-spectacular ``POSTPROCESSING_HOOKS``).

Every operation may answer with the errors the API conventions promise (API.md
"Conventions"), whatever its view documents for success: a refused or invalid request
is 400 with ``{"detail": …}`` or field errors, a missing or expired token 401, a role
that may see the object but not act 403, an object outside the caller's scope 404.
Documenting them once here keeps the schema honest for clients and contract tests
(schemathesis ``status_code_conformance``) without repeating them on every view.
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": "错误说明：`detail` 为总体说明；校验错误时另有以字段名为键的错误列表。",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}

ERROR_RESPONSES = {
    "400": "请求不符合规则（状态不对、日期无效、缺少字段等），`detail` 或字段错误说明原因。",
    "401": "未提供登录凭据，或令牌无效、已过期。",
    "403": "可以查看该对象，但无权执行此操作。",
    "404": "对象不存在或不在本人管辖范围内。",
    "429": "请求过于频繁，请稍后再试。",
}
SIGNED_IN = ("400", "401", "403", "404")
# The token exchange needs no credentials (so never 401/403 for their lack) and is
# throttled (accounts.api.views.TokenThrottle).
PUBLIC_OPERATIONS = {("/api/v1/auth/token/", "post"): ("400", "429")}
METHODS = ("get", "put", "patch", "post", "delete")


def add_error_responses(result, generator, request, public):
    """Add the common error answers (and their shared schema) to every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in PUBLIC_OPERATIONS.get((path, method), SIGNED_IN):
                responses.setdefault(code, {"description": ERROR_RESPONSES[code], "content": content})
    return result
