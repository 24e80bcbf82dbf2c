"""OpenAPI links from every create to the operations on the record it created.

A client (and the stateful contract test) learns from the contract itself that the `id` in a 201 response is the
`{x_id}` of the record's read, update and sub-resource operations. The record's item path is the GET path whose 200
response has the same schema as the 201 response; other path parameters of the item path come from the create's own
path (`/plans/{plan_id}/items` → `/plans/{plan_id}/items/{item_id}`).
"""

import re
from typing import Any

PATH_PARAM = re.compile(r"\{([^}]+)\}")
BY_HAND = {
    "AttachmentRead": ("/api/v1/attachments/{attachment_id}", "/id"),  # its read answers the file itself
    "ServiceAccountCreated": ("/api/v1/service-accounts/{account_id}", "/id"),  # no read: only revoke
    "LicencePushResult": ("/api/v1/licences/{licence_id}", "/licence/id"),  # the licence is nested
}
"""Created records whose item path cannot be found by schema: (item path, JSON pointer to the id in the body)."""


def _schema_name(response: dict[str, Any]) -> str | None:
    for media in response.get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        if ref:
            return ref.rsplit("/", 1)[-1]
    return None


def _item_paths(document: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Schema name → (the GET path that reads one such record by its last path parameter, pointer to its id)."""
    found = dict(BY_HAND)
    schemas = document.get("components", {}).get("schemas", {})
    for path, operations in document.get("paths", {}).items():
        read = operations.get("get")
        name = _schema_name(read["responses"].get("200", {})) if read and path.endswith("}") else None
        if name and "id" in schemas.get(name, {}).get("properties", {}):
            found.setdefault(name, (path, "/id"))
    return found


def _parameters(create_path: str, item_path: str, pointer: str) -> dict[str, str] | None:
    *outer, own = PATH_PARAM.findall(item_path)
    known = set(PATH_PARAM.findall(create_path))
    if any(name not in known for name in outer):
        return None
    return {**{name: f"$request.path.{name}" for name in outer}, own: f"$response.body#{pointer}"}


def _link_name(operation_id: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_]", operation_id))


def _body_properties(operation: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    media = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = media.get("schema", {}).get("$ref", "")
    return set(schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})) if ref else set()


def _links_from(create_path: str, item: tuple[str, str], document: dict[str, Any]) -> dict[str, Any]:
    """Links from one create's 201: to the operations on the created record (its id in their path), and to
    the creates that refer to such a record in their body (`enterprise_id` of a new visit)."""
    paths = document["paths"]
    schemas = document.get("components", {}).get("schemas", {})
    item_path, pointer = item
    parameters = _parameters(create_path, item_path, pointer)
    if parameters is None:
        return {}
    own = PATH_PARAM.findall(item_path)[-1]
    links: dict[str, Any] = {}
    for path, targets in paths.items():
        in_path = path == item_path or path.startswith(item_path + "/")
        for method, target in targets.items():
            if in_path and set(PATH_PARAM.findall(path)) <= set(parameters):
                links[_link_name(target["operationId"])] = {
                    "operationId": target["operationId"],
                    "parameters": {key: parameters[key] for key in PATH_PARAM.findall(path)},
                    "description": f"The record this request created, by {path}",
                }
            elif method == "post" and not PATH_PARAM.findall(path) and own in _body_properties(target, schemas):
                links[_link_name(target["operationId"])] = {
                    "operationId": target["operationId"],
                    "requestBody": {own: f"$response.body#{pointer}"},
                    "description": f"A new record that refers to this one by its `{own}`",
                }
    return links


def add_create_links(document: dict[str, Any]) -> None:
    item_paths = _item_paths(document)
    for create_path, operations in document.get("paths", {}).items():
        for create in operations.values():
            created = create["responses"].get("201")
            item = item_paths.get(_schema_name(created or {}) or "")
            links = _links_from(create_path, item, document) if item else {}
            if links:
                created["links"] = links
