"""Route a request to an S3 operation of the model: (method, path, query, headers, Host) -> operation.

Operations are grouped by (method, path kind); the candidates of a group are scored on the
sub-resources of their ``requestUri`` (``?tagging``, ``?list-type=2``) and on their required query
and header members, so the most specific operation wins (UploadPartCopy over UploadPart over
PutObject, ListObjectsV2 over ListObjects).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from botocore.model import OperationModel

from .errors import InvalidURI, MethodNotAllowed, NotImplementedOperation
from .model import ROUTE_FALLBACKS, all_operations, disk_cached, service_model, source_stamp
from .request import HttpRequest

SERVICE, BUCKET, OBJECT = "service", "bucket", "object"


@dataclass(frozen=True, slots=True)
class Route:
    """What a request must carry to be this operation, precomputed from the model."""

    operation: OperationModel
    kind: str
    literal_path: str | None
    static_query: tuple[tuple[str, str | None], ...]
    required_query: frozenset[str]
    required_headers: frozenset[str]
    optional_query: frozenset[str]
    preferred: bool

    def fits(self, request: HttpRequest) -> bool:
        query = request.query
        for name, value in self.static_query:
            if name not in query or (value is not None and value not in query[name]):
                return False
        return query.keys() >= self.required_query and request.headers.keys() >= self.required_headers

    def score(self, request: HttpRequest) -> tuple[int, int, int, bool]:
        optional = sum(1 for name in request.query if name in self.optional_query)
        required = len(self.required_query) + len(self.required_headers)
        return (len(self.static_query), required, optional, self.preferred)


@dataclass(frozen=True, slots=True)
class Match:
    operation: OperationModel
    bucket: str | None
    key: str | None


def _static_query(query: str) -> tuple[tuple[str, str | None], ...]:
    items: list[tuple[str, str | None]] = []
    for part in filter(None, query.split("&")):
        name, sep, value = part.partition("=")
        items.append((name, value if sep else None))
    return tuple(items)


def _members_by_location(operation: OperationModel, location: str) -> Iterable[tuple[str, bool]]:
    shape = operation.input_shape
    if shape is None:
        return
    required = set(shape.required_members)
    for name, member in shape.members.items():
        if member.serialization.get("location") == location:
            yield member.serialization.get("name", name), name in required


def _route_spec(operation: OperationModel) -> tuple[Any, ...]:
    """A route's fields but the operation: marshal-able, so that they can be cached on disk."""
    path, _, query = operation.http["requestUri"].partition("?")
    if "{Key+}" in path:
        kind, literal = OBJECT, None
    elif "{Bucket}" in path:
        kind, literal = BUCKET, None
    elif path == "/":
        kind, literal = SERVICE, None
    else:
        kind, literal = SERVICE, path
    query_members = list(_members_by_location(operation, "querystring"))
    return (
        kind,
        literal,
        _static_query(query),
        frozenset(name for name, req in query_members if req),
        frozenset(name.lower() for name, req in _members_by_location(operation, "header") if req),
        frozenset(name for name, req in query_members if not req),
        not operation.deprecated and operation.name not in ROUTE_FALLBACKS,
    )


@functools.lru_cache(maxsize=1)
def route_table() -> dict[tuple[str, str], tuple[Route, ...]]:
    """All routes grouped by (method, kind or literal path); built once per process.

    Working the routes out reads the input shape of all 116 operations (~4 ms): the result is
    cached on disk with the model (model.disk_cached), keyed on this module's source too.
    """
    service = service_model()
    specs = disk_cached(
        "s3-routes",
        source_stamp(__file__),
        lambda: [(operation.name, *_route_spec(operation)) for operation in all_operations()],
    )
    table: dict[tuple[str, str], list[Route]] = defaultdict(list)
    for name, *spec in specs:
        operation = service.operation_model(name)
        route = Route(operation, *spec)
        table[(operation.http["method"], route.literal_path or route.kind)].append(route)
    return {group: tuple(routes) for group, routes in table.items()}


def split_path(request: HttpRequest, domains: tuple[str, ...] = ()) -> tuple[str | None, str | None]:
    """(bucket, key) from a path-style or virtual-hosted-style request; both percent-decoded."""
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    raw = request.raw_path[1:] if request.raw_path.startswith("/") else request.raw_path
    for domain in domains:
        if host.endswith("." + domain):
            # virtual-hosted style: the bucket is the Host label(s) before the domain
            bucket = host[: -len(domain) - 1]
            return bucket, (_decode(raw) if raw else None)
    bucket_raw, slash, key_raw = raw.partition("/")
    if not bucket_raw:
        return None, None
    # "/bucket/" addresses the bucket; a key is never empty, and everything after the first
    # slash (further slashes included) belongs to it
    return _decode(bucket_raw), (_decode(key_raw) if slash and key_raw else None)


def _decode(raw: str) -> str:
    # S3 answers InvalidURI for a bucket or key whose percent-encoding is not UTF-8: rejected
    # here, before any operation runs, nothing is half-done and no such name is ever stored
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise InvalidURI() from None


def match(request: HttpRequest, domains: tuple[str, ...] = ("localhost",)) -> Match:
    """The operation a request asks for; NotImplemented when the model has none that fits."""
    table = route_table()
    literal = table.get((request.method, request.raw_path))
    bucket, key = split_path(request, domains)
    if literal:
        routes: tuple[Route, ...] = literal
        bucket = key = None
    else:
        kind = OBJECT if key is not None else BUCKET if bucket is not None else SERVICE
        routes = table.get((request.method, kind), ())
    candidates = _candidates(routes, request)
    if len(candidates) == 1:
        return Match(candidates[0].operation, bucket, key)
    if not candidates:
        # an object answers every method it has no operation for with 405, as AWS does
        if not routes or key is not None:
            raise MethodNotAllowed(Method=request.method, ResourceType=_resource_type(bucket, key))
        raise NotImplementedOperation(
            f"pytest-s3emu does not know an S3 operation for {request.method} {request.raw_path} "
            "with these query parameters and headers."
        )
    best = max(candidates, key=lambda route: route.score(request))
    return Match(best.operation, bucket, key)


def _candidates(routes: tuple[Route, ...], request: HttpRequest) -> list[Route]:
    """The routes that fit, in table order; only those whose first static sub-resource the query
    names are tried (a PUT to a bucket has 27 routes, all but CreateBucket behind a ?sub-resource)."""
    plain, by_static = _route_index(routes)
    found = [(index, route) for index, route in plain if route.fits(request)]
    for name in request.query:
        found.extend((index, route) for index, route in by_static.get(name, ()) if route.fits(request))
    found.sort(key=lambda pair: pair[0])  # ties go to the first route in table order, as before
    return [route for _, route in found]


_Indexed = tuple[tuple[int, Route], ...]
_INDEXES: dict[int, tuple[tuple[Route, ...], _Indexed, dict[str, _Indexed]]] = {}


def _route_index(routes: tuple[Route, ...]) -> tuple[_Indexed, dict[str, _Indexed]]:
    """A group's routes without a static sub-resource, and the others by their first one."""
    found = _INDEXES.get(id(routes))
    if found is None or found[0] is not routes:
        by_static: dict[str, list[tuple[int, Route]]] = defaultdict(list)
        plain = []
        for index, route in enumerate(routes):
            if route.static_query:
                by_static[route.static_query[0][0]].append((index, route))
            else:
                plain.append((index, route))
        found = _INDEXES[id(routes)] = (
            routes,
            tuple(plain),
            {name: tuple(group) for name, group in by_static.items()},
        )
    return found[1], found[2]


def _resource_type(bucket: str | None, key: str | None) -> str:
    return "OBJECT" if key is not None else "BUCKET" if bucket is not None else "SERVICE"
