"""botocore's S3 service model, loaded once per process, and the facts it lacks (EXTRAS).

botocore rewrites ``requestUri`` in place on a client's first call
(``handlers.remove_bucket_from_url_paths_from_model``) and ``OperationModel.http`` is the loader's
own dict, so we load the model with a loader of our own and never share it with code under test.
"""

from __future__ import annotations

import functools

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


@functools.lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """The S3 service model, loaded once per process."""
    loader = create_loader()
    return ServiceModel(loader.load_service_model("s3", "service-2"), "s3")


def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


@functools.lru_cache(maxsize=1)
def all_operations() -> tuple[OperationModel, ...]:
    model = service_model()
    return tuple(model.operation_model(name) for name in model.operation_names)
