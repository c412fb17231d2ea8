"""The W3C SPARQL 1.1 Protocol tests (query, update and bad-request tests) against the real server."""
from __future__ import annotations

from conftest import SHARED, needs_shared

MANIFEST = SHARED / "reference" / "w3c-sparql11" / "protocol" / "manifest.ttl"


@needs_shared
def test_w3c_protocol_suite_passes_whole(tmp_path, backend):
    from w3c_protocol import run
    outcomes = run(MANIFEST, tmp_path, backend)
    failed = [f"{o.name}: {o.reason}" for o in outcomes if o.result == "fail"]
    assert not failed, "\n".join(failed)
    passed = {o.name for o in outcomes if o.result == "pass"}
    assert {"query_get", "query_post_form", "query_post_direct", "query_dataset_full", "query_multiple_dataset",
            "query_content_type_construct", "bad_query_method", "bad_query_non_utf8", "bad_query_syntax",
            "bad_multiple_queries", "bad_update_get", "update_post_form", "update_post_direct", "update_base_uri",
            "update_dataset_default_graph", "update_dataset_default_graphs", "update_dataset_named_graphs",
            "update_dataset_full", "bad_update_dataset_conflict", "bad_multiple_updates"} <= passed
    assert len(passed) == len(outcomes) == 34          # the whole manifest, nothing skipped
