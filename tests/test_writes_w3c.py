"""The 13 W3C Graph Store Protocol tests (direct and indirect graph identification) against the real server."""
from __future__ import annotations

from conftest import SHARED, needs_shared

FOLDER = SHARED / "reference" / "w3c-sparql11" / "graph-store-protocol"


@needs_shared
def test_w3c_graph_store_protocol_suite_passes_whole(tmp_path, backend):
    from w3c_gsp import run
    outcomes = run(FOLDER, tmp_path, backend)
    failed = [f"{o.name}: {o.reason}" for o in outcomes if o.result == "fail"]
    assert not failed, "\n".join(failed)
    assert len(outcomes) == 13 and {o.name for o in outcomes} >= {
        "put_get_repeat_direct", "put_delete_get_delete_direct", "post_get_post_get_direct", "head_existing_direct",
        "put_get_default", "post_get_new_graph", "head_non_existing_indirect", "put_get_uri_pct_encoded_twice"}
