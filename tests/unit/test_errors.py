"""errors.py: every S3 error class carries a string code, an HTTP status that agrees with the model."""

from __future__ import annotations

import inspect

import pytest

from pytest_s3emu import errors, model
from pytest_s3emu.errors import S3Error

ERROR_CLASSES: list[type[S3Error]] = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, S3Error) and cls.__module__ == errors.__name__
]


def _model_statuses() -> dict[str, int]:
    """S3 error code -> HTTP status, for the error shapes of the model that have one."""
    statuses: dict[str, int] = {}
    for shape in model.service_model().error_shapes:
        status = shape.metadata.get("error", {}).get("httpStatusCode")
        if status is not None:
            statuses[shape.metadata.get("error", {}).get("code") or shape.name] = status
    return statuses


def test_enough_classes_and_model_statuses() -> None:
    assert len(ERROR_CLASSES) > 20
    statuses = _model_statuses()
    assert statuses["NoSuchKey"] == 404 and len(statuses) >= 15
    checked = {cls.code for cls in ERROR_CLASSES} & set(statuses)
    assert len(checked) >= 6, checked


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_status_agrees_with_model(cls: type[S3Error]) -> None:
    expected = _model_statuses().get(cls.code)
    if expected is not None:
        assert cls.status == expected


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_class_attributes(cls: type[S3Error]) -> None:
    # the code is the S3 error code (a word, or dotted words as KMS.NotFoundException), never the
    # HTTP status
    assert isinstance(cls.code, str) and not isinstance(cls.code, bool)
    assert all(word.isidentifier() for word in cls.code.split(".")) and not cls.code.isdigit()
    assert isinstance(cls.status, int) and not isinstance(cls.status, bool)
    assert 300 <= cls.status <= 599
    assert isinstance(cls.message, str) and cls.message.strip()


def test_same_code_same_status() -> None:
    by_code: dict[str, set[int]] = {}
    for cls in ERROR_CLASSES:
        by_code.setdefault(cls.code, set()).add(cls.status)
    assert {code: found for code, found in by_code.items() if len(found) > 1} == {}


def test_model_errors_we_raise_are_covered() -> None:
    codes = {cls.code for cls in ERROR_CLASSES}
    assert {
        "NoSuchKey",
        "NoSuchBucket",
        "NoSuchUpload",
        "BucketAlreadyExists",
        "BucketAlreadyOwnedByYou",
    } <= codes


def test_instance_fields_message_and_headers() -> None:
    error = errors.NoSuchKey(Key="a/b")
    assert (error.code, error.status, error.text) == ("NoSuchKey", 404, errors.NoSuchKey.message)
    assert error.fields == {"Key": "a/b"}
    assert error.headers == {}
    custom = errors.InvalidArgument("Bad max-keys", ArgumentName="max-keys")
    assert (str(custom), custom.text, custom.fields) == (
        "Bad max-keys",
        "Bad max-keys",
        {"ArgumentName": "max-keys"},
    )
    # headers are per instance, never shared through the class
    custom.headers["x"] = "y"
    assert errors.InvalidArgument().headers == {}


def test_base_class_is_internal_error() -> None:
    assert (S3Error.code, S3Error.status) == ("InternalError", 500)
    assert (errors.InternalError.code, errors.InternalError.status) == ("InternalError", 500)
    assert (errors.NotImplementedOperation.code, errors.NotImplementedOperation.status) == (
        "NotImplemented",
        501,
    )
