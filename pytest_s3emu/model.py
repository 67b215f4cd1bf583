"""botocore's S3 service model, loaded once per process, and the facts it lacks (EXTRAS).

botocore rewrites ``requestUri`` in place on a client's first call
(``handlers.remove_bucket_from_url_paths_from_model``) and ``OperationModel.http`` is the loader's
own dict, so we load the model with a loader of our own and never share it with code under test.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Callable
from typing import Any, TypeVar

import botocore
from botocore.loaders import create_loader
from botocore.model import OperationModel, ServiceModel

S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"

# Root element names of output shapes that have no payload member: the model does not carry them,
# but AWS writes them (and clients other than botocore check them).
ROOT_TAGS: dict[str, str] = {
    "CompleteMultipartUploadOutput": "CompleteMultipartUploadResult",
    "CreateMultipartUploadOutput": "InitiateMultipartUploadResult",
    "CreateSessionOutput": "CreateSessionResult",
    "DeleteObjectsOutput": "DeleteResult",
    "GetBucketAccelerateConfigurationOutput": "AccelerateConfiguration",
    "GetBucketAclOutput": "AccessControlPolicy",
    "GetBucketCorsOutput": "CORSConfiguration",
    "GetBucketLifecycleOutput": "LifecycleConfiguration",
    "GetBucketLifecycleConfigurationOutput": "LifecycleConfiguration",
    "GetBucketLocationOutput": "LocationConstraint",
    "GetBucketLoggingOutput": "BucketLoggingStatus",
    "NotificationConfigurationDeprecated": "NotificationConfiguration",
    "NotificationConfiguration": "NotificationConfiguration",
    "GetBucketRequestPaymentOutput": "RequestPaymentConfiguration",
    "GetBucketTaggingOutput": "Tagging",
    "GetBucketVersioningOutput": "VersioningConfiguration",
    "GetBucketWebsiteOutput": "WebsiteConfiguration",
    "GetObjectAclOutput": "AccessControlPolicy",
    "GetObjectAttributesOutput": "GetObjectAttributesResponse",
    "GetObjectTaggingOutput": "Tagging",
    "ListBucketAnalyticsConfigurationsOutput": "ListBucketAnalyticsConfigurationResult",
    "ListBucketIntelligentTieringConfigurationsOutput": "ListBucketIntelligentTieringConfigurationsOutput",
    "ListBucketInventoryConfigurationsOutput": "ListInventoryConfigurationsResult",
    "ListBucketMetricsConfigurationsOutput": "ListMetricsConfigurationsResult",
    "ListBucketsOutput": "ListAllMyBucketsResult",
    "ListDirectoryBucketsOutput": "ListAllMyDirectoryBucketsResult",
    "ListMultipartUploadsOutput": "ListMultipartUploadsResult",
    "ListObjectVersionsOutput": "ListVersionsResult",
    "ListObjectsOutput": "ListBucketResult",
    "ListObjectsV2Output": "ListBucketResult",
    "ListPartsOutput": "ListPartsResult",
    # object annotations: S3's usual "<Operation>Result"; SDKs do not check the root name
    "ListObjectAnnotationsOutput": "ListObjectAnnotationsResult",
    "PutObjectAnnotationOutput": "PutObjectAnnotationResult",
}

# Operations that share their whole wire shape with another one. When a request fits both
# equally, the other one wins: ListDirectoryBuckets is S3 Express's (it is sent to a different
# host on AWS), and the deprecated lifecycle/notification calls are marked deprecated in the model.
ROUTE_FALLBACKS: frozenset[str] = frozenset({"ListDirectoryBuckets"})

T = TypeVar("T")


@functools.lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """The S3 service model, loaded once per process."""
    return ServiceModel(_service_description(), "s3")


# botocore's loader takes ~20 ms for the S3 model (it lists every service directory, then
# decompresses and parses 1.3 MB of JSON): a fifth of the emulator's first start. Its result, and
# what the router derives from it, are kept in the user's cache directory in marshal format (~1 ms
# to read), under a key made of everything they depend on: the Python and botocore versions, the
# name, size and modification time of every S3 model file in the loader's search paths, and the
# caller's own (the size and modification time of the module deriving the data). Anything
# unexpected (no home directory, a read-only or corrupt cache) falls back to computing it.
_CACHE_FORMAT = 1


def _service_description() -> dict[str, Any]:
    def load() -> dict[str, Any]:
        description: dict[str, Any] = _plain(create_loader().load_service_model("s3", "service-2"))
        return description

    found: dict[str, Any] = disk_cached("s3-model", (), load)
    return found


def disk_cached(kind: str, key: tuple[Any, ...], build: Callable[[], T]) -> T:
    """``build()``, or what it returned in an earlier process for the same model and ``key``.

    ``build`` must return marshal-able data (dicts, lists, tuples, frozensets, str, numbers).
    """
    path = _cache_path(kind, key)
    if path is not None:
        try:
            with open(path, "rb") as file:
                stored = marshal.loads(file.read())  # marshal.load() reads a file in tiny pieces
            if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == path:
                found: T = stored[1]
                return found
        except Exception:  # missing, unreadable or corrupt: build it
            pass
    value = build()
    if path is not None:
        _write_cache(path, kind, (path, value))
    return value


@functools.cache
def _model_stamp() -> tuple[Any, ...]:
    """What botocore's answer for the S3 model depends on (None: the files cannot be listed)."""
    search_paths = create_loader().search_paths
    stamp: list[Any] = [_CACHE_FORMAT, sys.version, botocore.__version__, search_paths]
    try:
        for search_path in search_paths:
            service = os.path.join(search_path, "s3")
            if not os.path.isdir(service):
                continue
            for version in sorted(os.listdir(service)):
                directory = os.path.join(service, version)
                if not os.path.isdir(directory):
                    continue
                for name in sorted(os.listdir(directory)):
                    stat = os.stat(os.path.join(directory, name))
                    stamp.append((directory, name, stat.st_size, stat.st_mtime_ns))
    except OSError:
        return ()
    return tuple(stamp)


def source_stamp(module_file: str | None) -> tuple[Any, ...]:
    """A module's own part of a cache key: its size and modification time."""
    try:
        stat = os.stat(module_file or "")
    except OSError:
        return ("no source",)
    return (module_file, stat.st_size, stat.st_mtime_ns)


def _cache_path(kind: str, key: tuple[Any, ...]) -> str | None:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    stamp = _model_stamp()
    if not os.path.isabs(root) or not stamp:
        return None  # no home directory to speak of, or no model files to key on
    text = repr((stamp, source_stamp(__file__), key))
    digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return os.path.join(root, "pytest-s3emu", f"{kind}-{digest}.marshal")


def _write_cache(path: str, kind: str, value: Any) -> None:
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as file:
                marshal.dump(value, file)
            os.replace(temporary, path)  # atomic: a concurrent reader sees all or nothing
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        for name in os.listdir(directory):  # left by other botocore versions or sources
            if name.startswith(kind + "-") and name != os.path.basename(path):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(directory, name))
    except Exception:
        pass  # a cache that cannot be written is no cache


def _plain(value: Any) -> Any:
    """JSON data with plain dicts (the loader's are OrderedDicts, which marshal cannot write),
    without the documentation strings: nothing here reads them, and they are 6/7 of the model."""
    if isinstance(value, dict):
        return {
            key: _plain(item)
            for key, item in value.items()
            if not (key == "documentation" and isinstance(item, str))
        }
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


@functools.lru_cache(maxsize=1)
def all_operations() -> tuple[OperationModel, ...]:
    model = service_model()
    return tuple(model.operation_model(name) for name in model.operation_names)
