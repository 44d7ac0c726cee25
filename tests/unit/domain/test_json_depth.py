from app.domain.json_depth import exceeds_depth, max_json_depth


def test_depth_counts_arrays_and_objects() -> None:
    assert max_json_depth(b'{"a": [1, {"b": []}]}') == 4


def test_brackets_inside_strings_do_not_count() -> None:
    assert max_json_depth(b'{"a": "[[[[[[{{{{", "b\\"[[": 1}') == 1


def test_ten_thousand_deep_array_exceeds_limit() -> None:
    body = b"[" * 10_000 + b"]" * 10_000
    assert exceeds_depth(body, 64)


def test_exactly_the_limit_is_allowed() -> None:
    assert not exceeds_depth(b"[" * 64 + b"]" * 64, 64)
    assert exceeds_depth(b"[" * 65 + b"]" * 65, 64)


def test_flat_document_with_many_brackets_is_fine() -> None:
    body = b"[" + b",".join([b"[]"] * 5000) + b"]"
    assert not exceeds_depth(body, 64)
