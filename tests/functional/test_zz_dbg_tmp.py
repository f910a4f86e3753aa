import logging
from conftest import build_event, _MODULES, load_handler

def test_dbg(tables, caplog):
    load_handler("practice")
    app = _MODULES["practice"].app
    app._exception_handlers.pop(Exception, None)
    ev = build_event("practice/get_practice.json")
    print(app.resolve(ev, None))
