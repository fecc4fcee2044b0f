"""Array encoding round-trips bit for bit; documents are validated and serialised canonically."""
import json

import numpy as np
import pytest

from unrolled.precompute import arrays
from unrolled.precompute.documents import dumps, load, seal, validate
from unrolled.precompute.errors import UnrolledError


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
def test_encode_decode_round_trip(dtype):
    values = np.arange(-6, 6, dtype=np.float64).reshape(3, 4) / 7
    if dtype == "int32":
        values = np.arange(12).reshape(3, 4)
    enc = arrays.encode(values, dtype)
    assert enc["shape"] == [3, 4] and enc["dtype"] == dtype
    back = arrays.decode(json.loads(json.dumps(enc)))
    np.testing.assert_array_equal(back, values.astype(back.dtype))
    assert back.dtype == np.dtype(dtype)


def test_decode_tree_leaves_plain_values():
    tree = {"a": arrays.encode([1.5, 2.5], "float64"), "b": [1, {"c": "text"}]}
    out = arrays.decode_tree(tree)
    assert out["a"].tolist() == [1.5, 2.5] and out["b"] == [1, {"c": "text"}]


def test_unknown_dtype_is_refused():
    with pytest.raises(ValueError, match="unsupported dtype"):
        arrays.encode([1.0], "complex64")


def minimal_run():
    prov = {"spec": {}, "seed": 0, "code_version": "x", "versions": {}, "created": None}
    return seal({"schema": "unrolled.run/2", "run": "r", "provenance": prov,
                 "task": {"kind": "function", "dataset": "sine", "cell": "lstm", "layers": 1, "hidden": 2,
                          "input_size": 1, "output_size": 1, "loss": "mse"},
                 "loss": {"epoch": [0], "train": [1.0], "validation": [1.0]}, "snapshots": [0]})


def test_validate_accepts_and_rejects():
    validate(minimal_run())
    bad = minimal_run()
    bad["task"]["cell"] = "transformer"
    bad = seal(bad)
    with pytest.raises(UnrolledError, match="task/cell"):
        validate(bad)
    with pytest.raises(UnrolledError, match="unknown document schema"):
        validate({"schema": "other/1"})


def test_dumps_is_canonical_and_load_validates(tmp_path):
    doc = minimal_run()
    reordered = dict(reversed(list(doc.items())))
    assert dumps(doc) == dumps(reordered)
    path = tmp_path / "run.json"
    path.write_bytes(dumps(doc))
    assert load(path)["run"] == "r"
    path.write_text("{broken")
    with pytest.raises(UnrolledError, match="cannot read document"):
        load(path)


def test_decode_is_strict_about_base64_and_shape():
    good = arrays.encode(np.arange(4.0), "float64")
    with pytest.raises(ValueError, match="not valid base64"):
        arrays.decode({**good, "data": good["data"][:5] + "!" + good["data"][6:]})  # Python would skip the '!'
    with pytest.raises(ValueError, match="needs 32"):
        arrays.decode({**good, "data": good["data"][:-4]})  # shortened by a whole base64 quantum
    with pytest.raises(ValueError, match="needs 40"):
        arrays.decode({**good, "shape": [5]})
    with pytest.raises(ValueError, match="shape"):
        arrays.decode({**good, "shape": [-1]})
    with pytest.raises(ValueError, match=r"array at /b/0: data is not valid base64"):
        arrays.decode_tree({"b": [{**good, "data": "@@@@"}]})


def with_loss(doc: dict, text: str) -> bytes:
    """The document's bytes with its loss curve replaced by raw JSON text (digest left as it was)."""
    return dumps(doc).replace(b'"train":[1.0]', b'"train":[' + text.encode() + b"]")


def test_load_refuses_changed_bytes_nan_and_broken_arrays(tmp_path):
    path = tmp_path / "run.json"
    doc = minimal_run()
    path.write_bytes(with_loss(doc, "2.0"))
    with pytest.raises(UnrolledError, match="does not match its digest") as caught:
        load(path)
    assert caught.value.rule == "doc-digest" and caught.value.file == str(path)
    path.write_bytes(with_loss(doc, "NaN"))
    with pytest.raises(UnrolledError, match="NaN is not a JSON number"):
        load(path)
    # a document whose digest was forged to match still has to decode strictly
    doc = minimal_run()
    doc["extra"] = arrays.encode([1.0, 2.0], "float64")
    doc["extra"]["data"] = doc["extra"]["data"][:-4]
    path.write_bytes(dumps(seal(doc)))
    with pytest.raises(UnrolledError, match="array at /extra") as caught:
        load(path, decode=False)
    assert caught.value.rule == "doc-array"


def test_check_reads_canonical_bytes_and_falls_back_to_parsing(tmp_path):
    from unrolled.precompute.documents import check

    path = tmp_path / "run.json"
    path.write_bytes(dumps(minimal_run()))
    check(path)  # the cache's own bytes: checked without parsing
    path.write_text(json.dumps(minimal_run(), indent=2))  # same content, other layout: still intact
    check(path)
    path.write_bytes(with_loss(minimal_run(), "1.5"))
    with pytest.raises(UnrolledError, match="does not match its digest"):
        check(path)
    with pytest.raises(UnrolledError, match="cannot read document"):
        check(tmp_path / "missing.json")
