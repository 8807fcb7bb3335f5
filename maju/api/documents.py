"""/api/resource/{dt} (POST create) and /api/resource/{dt}/{name} (GET read, PUT update, DELETE,
GET/POST run_method): the document half of section D, over `maju.doctype.document.Document`.

Each handler runs inside the endpoint's one transaction (read-only for GET and HEAD), so a
failure anywhere, a controller hook included, leaves nothing behind.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request

from maju import errors
from maju.api.arguments import bind
from maju.api.dispatch import method_index
from maju.api.endpoint import Call
from maju.api.form import is_json_type
from maju.api.policy import admit, invoke
from maju.context import Context
from maju.doctype import permissions
from maju.doctype.controller import controller_class
from maju.doctype.document import Document
from maju.doctype.meta import Right
from maju.doctype.serialise import jsonable
from maju.reply import Reply

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
NO_DATA = "No document data: send a JSON object of fields (or a `data` parameter)"


def document_path(call: Call) -> tuple[str, str]:
    """The DocType and, E2, the document name: the rest of the path after `/{dt}/`, minus one
    trailing slash."""
    path = call.path
    name = f"{path['first']}{path.get('rest', '')}"
    return str(path["doctype"]), name[:-1] if name.endswith("/") else name


async def document_fields(request: Request, params: dict[str, Any]) -> dict[str, Any]:
    """D10: the `data` parameter (an object or a string holding one); else the whole JSON body;
    else the urlencoded or multipart fields; else the raw body as JSON whatever its type."""
    if "data" in params:
        return _object(params["data"], "data")
    content_type = request.headers.get("content-type", "")
    # Read from the Request's own caches (E6 parsed this body already), never request.state:
    # that dict is shared between requests under some ASGI servers and test harnesses.
    if content_type.split(";", 1)[0].strip().lower() in FORM_TYPES:
        form = await request.form()
        fields: dict[str, Any] = {}
        for key, value in form.multi_items():
            if not isinstance(value, UploadFile):
                fields.setdefault(key, value)  # E6: the first value wins
        if fields:
            return fields
        raise errors.BadRequestError(NO_DATA)
    body = await request.body()
    if not body.strip():
        raise errors.BadRequestError(NO_DATA)
    if is_json_type(content_type):
        return params  # E6 already parsed it: an object, since an array arrives as `data`
    return _object(body, "body")


def _object(value: Any, source: str) -> dict[str, Any]:
    if isinstance(value, str | bytes):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise errors.BadRequestError(f"Invalid JSON in {source}") from exc
    if not isinstance(value, dict):
        raise errors.BadRequestError(f"The document {source} must be a JSON object of fields")
    return value


async def create_document(ctx: Context, call: Call) -> Reply:
    """D13: 404 DocType, 403 create, then the body (D10), coercion, naming and checks."""
    doctype = str(call.path["doctype"])
    permissions.require(ctx, ctx.registry[doctype], "create")
    doc = Document.new(ctx, doctype, await document_fields(call.request, call.params))
    await doc.insert()
    return Reply({"data": doc.as_dict()})


async def document_item(ctx: Context, call: Call) -> Reply:
    """E1's item routes: read (D14), update (D15), delete (D17) and run_method (D23)."""
    verb = call.verb
    doctype, name = document_path(call)
    method = call.params.get("run_method") or call.request.query_params.get("run_method")
    if method and verb in ("GET", "HEAD", "POST"):
        return await run_document_method(ctx, call, doctype, name, str(method))
    if verb in ("GET", "HEAD"):
        doc = await Document.load(ctx, doctype, name)
        return Reply({"data": doc.as_dict()})
    if verb == "PUT":
        doc = await Document.load(ctx, doctype, name, for_update=True, right="write")
        doc.update(await document_fields(call.request, call.params))
        await doc.save()
        return Reply({"data": doc.as_dict()})
    if verb == "DELETE":
        meta = ctx.registry[doctype]
        if meta.issingle:  # D22
            raise errors.ValidationError(f"Single DocType {meta.name} cannot be deleted")
        doc = await Document.load(ctx, doctype, name, for_update=True, right="delete")
        await doc.delete()
        return Reply({"message": "ok"}, status=202)
    raise errors.ValidationError("A POST to a document needs a run_method parameter")


async def run_document_method(
    ctx: Context, call: Call, doctype: str, name: str, method: str
) -> Reply:
    """D23 under /api/method's policy (maju.api.policy): the controller's method must be
    whitelisted (M3), allow Guests if the caller is one (M3) and the verb (M4), and is counted
    against its rate limit (C4) before the document is loaded, so the count's commit never
    ends the row lock a POST takes. GET needs `read` and runs read-only; POST needs `write`
    and commits. Arguments follow M6/M7; the result comes back under `data`."""
    cls = controller_class(ctx.registry[doctype], Document)  # 404 for an unknown DocType
    target = method_index(call.site).resolve_method(cls, method)
    await admit(ctx, call.site.db, method, target, call.verb)
    right: Right = "write" if call.verb == "POST" else "read"
    doc = await Document.load(ctx, doctype, name, for_update=right == "write", right=right)
    form = {k: v for k, v in call.params.items() if k != "run_method"}
    args, kwargs = bind(target.plan, form, ctx, call.site, call.request)
    result = await invoke(getattr(doc, method), target.is_async, args, kwargs)
    return Reply({"data": jsonable(result)})
