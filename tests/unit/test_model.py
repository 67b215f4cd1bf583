"""model.py: our own copy of botocore's S3 model, loaded once, and the registry of handlers."""

from __future__ import annotations

import subprocess
import sys

import botocore
import botocore.session
from botocore.model import OperationModel, ServiceModel
from botocore_oracle import BotocoreCapture

from pytest_s3emu import model
from pytest_s3emu.handlers import HANDLERS


def test_model_is_loaded_once() -> None:
    first = model.service_model()
    assert isinstance(first, ServiceModel)
    assert model.service_model() is first
    assert model.all_operations() is model.all_operations()
    assert model.operation("GetObject") is model.operation("GetObject")
    assert all(isinstance(operation, OperationModel) for operation in model.all_operations())


def test_model_is_rest_xml_s3() -> None:
    service = model.service_model()
    assert (service.service_name, service.protocol) == ("s3", "rest-xml")
    names = [operation.name for operation in model.all_operations()]
    assert names == list(service.operation_names) and len(names) > 100
    assert {"GetObject", "PutObject", "ListObjectsV2", "CompleteMultipartUpload"} <= set(names)


def test_nothing_is_loaded_at_import_time() -> None:
    # a fresh interpreter: importing the package, its plugin and app must not load the model
    code = (
        "import pytest_s3emu, pytest_s3emu.plugin, pytest_s3emu.app\n"
        "from pytest_s3emu import model, router\n"
        "assert model.service_model.cache_info().currsize == 0\n"
        "assert router.route_table.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_not_botocore_shared_model() -> None:
    ours = model.operation("GetObject")
    assert ours.http["requestUri"] == "/{Bucket}/{Key+}"
    # a client's first call rewrites its model's requestUri in place
    # (handlers.remove_bucket_from_url_paths_from_model): it must not reach our copy
    capture = BotocoreCapture()
    capture.prepared("GetObject", Bucket="bucket", Key="k")
    capture.prepared("PutObject", Bucket="bucket", Key="k", Body=b"")
    theirs = capture.client.meta.service_model.operation_model("GetObject")
    assert theirs.http["requestUri"] == "/{Key+}", "botocore no longer rewrites: the premise changed"
    assert model.operation("GetObject").http["requestUri"] == "/{Bucket}/{Key+}"
    assert model.operation("PutObject").http["requestUri"] == "/{Bucket}/{Key+}"
    assert ours.http is not theirs.http
    # nor is it the model of a session other code may create later
    fresh = botocore.session.get_session().get_service_model("s3").operation_model("GetObject")
    assert fresh.http is not ours.http


def test_every_handler_names_an_operation() -> None:
    names = set(model.service_model().operation_names)
    assert HANDLERS, "no handler registered"
    assert set(HANDLERS) - names == set()
    for name, function in HANDLERS.items():
        assert function.__name__ == botocore.xform_name(name), name


def test_no_handler_for_an_unreachable_operation() -> None:
    # a deprecated operation that shares its wire shape with a current one never wins a route
    current = {
        (op.http["method"], op.http["requestUri"]) for op in model.all_operations() if not op.deprecated
    }
    unreachable = {
        op.name
        for op in model.all_operations()
        if op.deprecated and (op.http["method"], op.http["requestUri"]) in current
    }
    assert {"GetBucketLifecycle", "PutBucketNotification"} <= unreachable
    assert unreachable & set(HANDLERS) == set()


def test_extras_name_model_shapes_and_operations() -> None:
    names = set(model.service_model().operation_names)
    assert set(model.ROUTE_FALLBACKS) - names == set()
    shapes = set(model.service_model().shape_names)
    assert set(model.ROOT_TAGS) <= shapes
    assert all(tag and tag[0].isupper() for tag in model.ROOT_TAGS.values())
    assert model.S3_XMLNS == "http://s3.amazonaws.com/doc/2006-03-01/"
