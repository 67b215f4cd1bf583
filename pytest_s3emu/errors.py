"""S3 errors: one exception per S3 error code, carrying the code, HTTP status and message.

Raised where the problem is found (store, handler, parser); only ``serializer.serialize_error``
turns one into the ``<Error>`` XML AWS sends.
"""

from __future__ import annotations

from typing import ClassVar


class S3Error(Exception):
    """An error S3 would answer with: ``code`` (S3 error code), ``status`` (HTTP) and ``message``.

    Extra keyword arguments become extra children of the ``<Error>`` element::

        raise NoSuchKey(Key="a/b.txt")
    """

    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500
    message: ClassVar[str] = "We encountered an internal error. Please try again."

    def __init__(self, message: str | None = None, **fields: str) -> None:
        super().__init__(message or self.message)
        self.fields: dict[str, str] = fields
        # extra response headers some errors carry (x-amz-delete-marker, Content-Range, ...)
        self.headers: dict[str, str] = {}

    @property
    def text(self) -> str:
        return str(self.args[0])


class InternalError(S3Error):
    pass


class NotImplementedOperation(S3Error):
    code = "NotImplemented"
    status = 501
    message = "A header you provided implies functionality that is not implemented."


class AccessDenied(S3Error):
    code = "AccessDenied"
    status = 403
    message = "Access Denied"


class BadDigest(S3Error):
    code = "BadDigest"
    status = 400
    message = "The Content-MD5 you specified did not match what we received."


class InvalidDigest(S3Error):
    code = "InvalidDigest"
    status = 400
    message = "The Content-MD5 you specified was invalid."


class XAmzContentSHA256Mismatch(S3Error):
    code = "XAmzContentSHA256Mismatch"
    status = 400
    message = "The provided 'x-amz-content-sha256' header does not match what was computed."


class BucketAlreadyExists(S3Error):
    code = "BucketAlreadyExists"
    status = 409
    message = (
        "The requested bucket name is not available. The bucket namespace is shared by all users of "
        "the system. Please select a different name and try again."
    )


class BucketAlreadyOwnedByYou(S3Error):
    code = "BucketAlreadyOwnedByYou"
    status = 409
    message = "Your previous request to create the named bucket succeeded and you already own it."


class BucketNotEmpty(S3Error):
    code = "BucketNotEmpty"
    status = 409
    message = "The bucket you tried to delete is not empty"


class EntityTooSmall(S3Error):
    code = "EntityTooSmall"
    status = 400
    message = "Your proposed upload is smaller than the minimum allowed object size."


class EntityTooLarge(S3Error):
    code = "EntityTooLarge"
    status = 400
    message = "Your proposed upload exceeds the maximum allowed object size."


class IncompleteBody(S3Error):
    code = "IncompleteBody"
    status = 400
    message = "You did not provide the number of bytes specified by the Content-Length HTTP header"


class IllegalLocationConstraintException(S3Error):
    code = "IllegalLocationConstraintException"
    status = 400
    message = "The specified location-constraint is not valid"


class InvalidLocationConstraint(S3Error):
    code = "InvalidLocationConstraint"
    status = 400
    message = "The specified location-constraint is not valid"


class InvalidArgument(S3Error):
    code = "InvalidArgument"
    status = 400
    message = "Invalid Argument"


class InvalidURI(S3Error):
    code = "InvalidURI"
    status = 400
    message = "Couldn't parse the specified URI."


class InvalidBucketName(S3Error):
    code = "InvalidBucketName"
    status = 400
    message = "The specified bucket is not valid."


class InvalidPart(S3Error):
    code = "InvalidPart"
    status = 400
    message = (
        "One or more of the specified parts could not be found.  The part may not have been uploaded, "
        "or the specified entity tag may not match the part's entity tag."
    )


class InvalidPartOrder(S3Error):
    code = "InvalidPartOrder"
    status = 400
    message = "The list of parts was not in ascending order. Parts must be ordered by part number."


class InvalidRange(S3Error):
    code = "InvalidRange"
    status = 416
    message = "The requested range is not satisfiable"


class InvalidObjectState(S3Error):
    code = "InvalidObjectState"
    status = 403
    message = "The operation is not valid for the object's storage class"


class InvalidPartNumber(S3Error):
    code = "InvalidPartNumber"
    status = 416
    message = "The requested partnumber is not satisfiable"


class InvalidRequest(S3Error):
    code = "InvalidRequest"
    status = 400
    message = "Invalid Request"


class InvalidStorageClass(S3Error):
    code = "InvalidStorageClass"
    status = 400
    message = "The storage class you specified is not valid"


class InvalidTag(S3Error):
    code = "InvalidTag"
    status = 400
    message = "The TagValue you have provided is invalid"


class KeyTooLongError(S3Error):
    code = "KeyTooLongError"
    status = 400
    message = "Your key is too long"


class MalformedXML(S3Error):
    code = "MalformedXML"
    status = 400
    message = "The XML you provided was not well-formed or did not validate against our published schema"


class MetadataTooLarge(S3Error):
    code = "MetadataTooLarge"
    status = 400
    message = "Your metadata headers exceed the maximum allowed metadata size."


class MethodNotAllowed(S3Error):
    code = "MethodNotAllowed"
    status = 405
    message = "The specified method is not allowed against this resource."


class MissingContentLength(S3Error):
    code = "MissingContentLength"
    status = 411
    message = "You must provide the Content-Length HTTP header."


class NoSuchBucket(S3Error):
    code = "NoSuchBucket"
    status = 404
    message = "The specified bucket does not exist"


class NoSuchKey(S3Error):
    code = "NoSuchKey"
    status = 404
    message = "The specified key does not exist."


class NoSuchUpload(S3Error):
    code = "NoSuchUpload"
    status = 404
    message = (
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have "
        "been aborted or completed."
    )


class NoSuchVersion(S3Error):
    code = "NoSuchVersion"
    status = 404
    message = "The specified version does not exist."


class PreconditionFailed(S3Error):
    code = "PreconditionFailed"
    status = 412
    message = "At least one of the pre-conditions you specified did not hold"


class ConditionalRequestConflict(S3Error):
    code = "ConditionalRequestConflict"
    status = 409
    message = "A conflicting operation occurred. If using PutObject you can retry the request."


class NotModified(S3Error):
    """Not an error for S3, but answered like one: 304 with no body."""

    code = "NotModified"
    status = 304
    message = "Not Modified"


class SignatureDoesNotMatch(S3Error):
    code = "SignatureDoesNotMatch"
    status = 403
    message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )


class AuthorizationHeaderMalformed(S3Error):
    code = "AuthorizationHeaderMalformed"
    status = 400
    message = "The authorization header is malformed."


class InvalidAccessKeyId(S3Error):
    code = "InvalidAccessKeyId"
    status = 403
    message = "The AWS Access Key Id you provided does not exist in our records."


class InvalidChunkSizeError(S3Error):
    code = "InvalidChunkSizeError"
    status = 403
    message = "Only the last chunk is allowed to have a size less than 8192 bytes"


class InvalidEncodingType(S3Error):
    code = "InvalidArgument"
    status = 400
    message = "Invalid Encoding Method specified in Request"


class TooManyBuckets(S3Error):
    code = "TooManyBuckets"
    status = 400
    message = "You have attempted to create more buckets than allowed"


class UnexpectedContent(S3Error):
    code = "UnexpectedContent"
    status = 400
    message = "This request does not support content"


class MissingRequestBodyError(S3Error):
    code = "MissingRequestBodyError"
    status = 400
    message = "Request Body is empty"


class HttpVersionNotSupported(S3Error):
    code = "HttpVersionNotSupported"
    status = 505
    message = "The HTTP version specified is not supported."


# --- bucket configurations ----------------------------------------------------------------------


class NoSuchCORSConfiguration(S3Error):
    code = "NoSuchCORSConfiguration"
    status = 404
    message = "The CORS configuration does not exist"


class NoSuchLifecycleConfiguration(S3Error):
    code = "NoSuchLifecycleConfiguration"
    status = 404
    message = "The lifecycle configuration does not exist"


class NoSuchBucketPolicy(S3Error):
    code = "NoSuchBucketPolicy"
    status = 404
    message = "The bucket policy does not exist"


class NoSuchWebsiteConfiguration(S3Error):
    code = "NoSuchWebsiteConfiguration"
    status = 404
    message = "The specified bucket does not have a website configuration"


class NoSuchTagSet(S3Error):
    code = "NoSuchTagSet"
    status = 404
    message = "The TagSet does not exist"


class ServerSideEncryptionConfigurationNotFoundError(S3Error):
    code = "ServerSideEncryptionConfigurationNotFoundError"
    status = 404
    message = "The server side encryption configuration was not found"


class ReplicationConfigurationNotFoundError(S3Error):
    code = "ReplicationConfigurationNotFoundError"
    status = 404
    message = "The replication configuration was not found"


class NoSuchPublicAccessBlockConfiguration(S3Error):
    code = "NoSuchPublicAccessBlockConfiguration"
    status = 404
    message = "The public access block configuration was not found"


class OwnershipControlsNotFoundError(S3Error):
    code = "OwnershipControlsNotFoundError"
    status = 404
    message = "The bucket ownership controls were not found"


class NoSuchConfiguration(S3Error):
    """Analytics, metrics, inventory and intelligent-tiering configurations, by id."""

    code = "NoSuchConfiguration"
    status = 404
    message = "The specified configuration does not exist."


class MetadataConfigurationNotFound(S3Error):
    code = "MetadataConfigurationNotFound"
    status = 404
    message = "The metadata table configuration does not exist."


class MalformedPolicy(S3Error):
    code = "MalformedPolicy"
    status = 400
    message = "Policies must be valid JSON and the first byte must be '{'"


class InvalidTargetBucketForLogging(S3Error):
    code = "InvalidTargetBucketForLogging"
    status = 400
    message = "The target bucket for logging does not exist"


class CrossLocationLoggingProhibitted(S3Error):
    # sic: S3 answers with this spelling (its documentation writes "Prohibited")
    code = "CrossLocationLoggingProhibitted"
    status = 403
    message = "Cross S3 location logging not allowed."


class IdMismatch(S3Error):
    code = "IdMismatch"
    status = 400
    message = "Document ID does not match the specified configuration ID."


class InvalidS3DestinationBucket(S3Error):
    code = "InvalidS3DestinationBucket"
    status = 400
    message = "Invalid bucket ARN."


class MalformedPOSTRequest(S3Error):
    code = "MalformedPOSTRequest"
    status = 400
    message = "The body of your POST request is not well-formed multipart/form-data."


class MaxPostPreDataLengthExceeded(S3Error):
    code = "MaxPostPreDataLengthExceeded"
    status = 400
    message = "Your POST request fields preceeding the upload file was too large."  # sic, as S3 writes it


class InvalidPolicyDocument(S3Error):
    # a POST object policy S3 cannot read (not a model error shape)
    code = "InvalidPolicyDocument"
    status = 400
    message = "Invalid Policy: Invalid JSON."


class InvalidBucketState(S3Error):
    code = "InvalidBucketState"
    status = 409
    message = "The request is not valid with the current state of the bucket."


class RequestTimeTooSkewed(S3Error):
    code = "RequestTimeTooSkewed"
    status = 403
    message = "The difference between the request time and the current time is too large."


class AuthorizationQueryParametersError(S3Error):
    code = "AuthorizationQueryParametersError"
    status = 400
    message = "Error parsing the X-Amz-Credential parameter"


# --- ACLs, restores, annotations --------------------------------------------------------------------


class BadRequest(S3Error):
    # S3's code for too many tags (it is no model error shape)
    code = "BadRequest"
    status = 400
    message = "Bad Request"


class AccessControlListNotSupported(S3Error):
    code = "AccessControlListNotSupported"
    status = 400
    message = "The bucket does not allow ACLs"


class InvalidBucketAclWithObjectOwnership(S3Error):
    code = "InvalidBucketAclWithObjectOwnership"
    status = 400
    message = "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"


class InvalidBucketAclWithBlockPublicAccessError(S3Error):
    code = "InvalidBucketAclWithBlockPublicAccessError"
    status = 400
    message = "Bucket cannot have public ACLs set with BlockPublicAccess enabled"


class MalformedACLError(S3Error):
    code = "MalformedACLError"
    status = 400
    message = "The XML you provided was not well-formed or did not validate against our published schema"


class MissingSecurityHeader(S3Error):
    code = "MissingSecurityHeader"
    status = 400
    message = "Your request was missing a required header"


class UnresolvableGrantByEmailAddress(S3Error):
    code = "UnresolvableGrantByEmailAddress"
    status = 400
    message = "The e-mail address you provided does not match any account on record."


class ObjectAlreadyInActiveTierError(S3Error):
    code = "ObjectAlreadyInActiveTierError"
    status = 403
    message = "This action is not allowed against this storage tier."


class NoSuchAnnotation(S3Error):
    code = "NoSuchAnnotation"
    status = 404
    message = "The specified annotation does not exist on this object."


class AnnotationNameTooLong(S3Error):
    code = "AnnotationNameTooLong"
    status = 400
    message = "The annotation name exceeds 512 bytes."


class AnnotationLimitExceeded(S3Error):
    code = "AnnotationLimitExceeded"
    status = 400
    message = "The request would exceed the maximum number of annotations allowed per object."


class InvalidAnnotationName(S3Error):
    code = "InvalidAnnotationName"
    status = 400
    message = "The annotation name you provided is invalid."


class UnsupportedMediaType(S3Error):
    code = "UnsupportedMediaType"
    status = 415
    message = "The annotation payload is not valid UTF-8 encoded text."


class InvalidPrefix(S3Error):
    code = "InvalidPrefix"
    status = 400
    message = "The annotation prefix you provided is invalid."


# --- object lock ----------------------------------------------------------------------------------


class ObjectLockConfigurationNotFoundError(S3Error):
    code = "ObjectLockConfigurationNotFoundError"
    status = 404
    message = "Object Lock configuration does not exist for this bucket"


class NoSuchObjectLockConfiguration(S3Error):
    code = "NoSuchObjectLockConfiguration"
    status = 404
    message = "The specified object does not have a ObjectLock configuration"


# --- server-side encryption -----------------------------------------------------------------------


class InvalidEncryptionAlgorithmError(S3Error):
    code = "InvalidEncryptionAlgorithmError"
    status = 400
    message = "The Encryption request you specified is not valid. Supported value: AES256."


class KMSNotFoundException(S3Error):
    """What S3 relays when KMS does not know the key a request names."""

    code = "KMS.NotFoundException"
    status = 400
    message = "Invalid keyId"


# --- CORS -----------------------------------------------------------------------------------------


class AccessForbidden(S3Error):
    """A CORS preflight S3 refuses (its messages start "CORSResponse: ")."""

    code = "AccessForbidden"
    status = 403
    message = "CORSResponse: CORS is not enabled for this bucket."
