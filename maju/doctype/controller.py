"""Controllers: find a DocType's Document subclass and run its lifecycle hooks.

A DocType may have a Python module beside its JSON (`apps/todo/doctype/todo/todo.py`); the
registry records its dotted path in `meta.controller` and the app's lifespan imports it. The
controller is the class in that module named after the DocType without spaces (`ToDo`,
`ToDoReport`) that subclasses `maju.doctype.document.Document`. Hooks are async methods on it:

| hook | runs |
| --- | --- |
| `before_insert` | on insert, before naming |
| `validate` | on insert and save (not on cancel), before mandatory, link and unique checks |
| `after_insert` | after the row and its children are written |
| `on_update` | after every insert and save that is not a cancel or an update after submit |
| `on_submit` / `on_cancel` | after a 0→1 / 1→2 transition is written (D20) |
| `on_update_after_submit` | after a 1→1 save (D21) |
| `on_trash` | on delete, before the link check and the delete |

Any error a hook raises aborts the operation; the endpoint then rolls the whole request back.
Methods marked `@whitelist` are callable by clients through `run_method` (D23,
maju.api.documents).
"""

from __future__ import annotations

import importlib
import inspect
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from maju.doctype.document import Document
    from maju.doctype.meta import DocTypeMeta

Hook = Literal[
    "before_insert",
    "validate",
    "after_insert",
    "on_update",
    "on_submit",
    "on_cancel",
    "on_update_after_submit",
    "on_trash",
]


def class_name(meta: DocTypeMeta) -> str:
    """`ToDo Report` -> `ToDoReport`: the class a controller module must define."""
    return "".join(meta.name.split())


def controller_class(meta: DocTypeMeta, base: type[Document]) -> type[Document]:
    """The DocType's controller class, or `base` when it has none.

    The module was imported in lifespan (registry.load_controllers), so this is a lookup in
    `sys.modules`; importing here as well keeps the Document API usable outside a request.
    """
    if not meta.controller:
        return base
    module = importlib.import_module(meta.controller)
    found = getattr(module, class_name(meta), None)
    if isinstance(found, type) and issubclass(found, base):
        return found
    return base


async def run_hook(doc: Document, hook: Hook) -> None:
    """Call one lifecycle hook; a sync override is called, an async one awaited."""
    result = getattr(doc, hook)()
    if inspect.isawaitable(result):
        await result
