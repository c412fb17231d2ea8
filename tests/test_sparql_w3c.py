"""The W3C SPARQL 1.1 Protocol tests (query and bad-request tests) against the real server."""
from __future__ import annotations

from conftest import SHARED, needs_shared

MANIFEST = SHARED / "reference" / "w3c-sparql11" / "protocol" / "manifest.ttl"


@needs_shared
def test_w3c_protocol_query_and_bad_request_tests(tmp_path):
    from w3c_protocol import SKIP_UPDATE, run
    outcomes = run(MANIFEST, tmp_path)
    failed = [f"{o.name}: {o.reason}" for o in outcomes if o.result == "fail"]
    assert not failed, "\n".join(failed)
    passed = {o.name for o in outcomes if o.result == "pass"}
    skipped = {o.name: o.reason for o in outcomes if o.result == "skip"}
    # every query test and every bad-request test ran and passed; only the update tests are skipped
    assert {"query_get", "query_post_form", "query_post_direct", "query_dataset_full", "query_multiple_dataset",
            "query_content_type_construct", "bad_query_method", "bad_query_non_utf8", "bad_query_syntax",
            "bad_multiple_queries", "bad_update_get"} <= passed
    assert len(passed) == 27
    assert skipped and all(name.startswith("update_") and why == SKIP_UPDATE for name, why in skipped.items())
