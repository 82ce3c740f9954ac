using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace LocalIotCore.Http;

/// <summary>
/// AWS's REST-JSON error shape, the one writer of every LocalIotCore HTTP error: the error type in the
/// <c>x-amzn-ErrorType</c> header (which botocore and the AWS SDKs read to raise the modelled
/// exception, e.g. <c>ResourceNotFoundException</c>) and a body <c>{"message": "..."}</c>. The shadow
/// service's own error documents (<c>{"code":404,"message":...}</c>) keep their body and gain the header.
/// </summary>
public static class AwsError
{
    public const string ErrorTypeHeader = "x-amzn-ErrorType";

    /// <summary>The data plane's error type for an HTTP status, as the IoT Data Plane API reference lists them.</summary>
    public static string TypeFor(int status) => status switch
    {
        400 => "InvalidRequestException",
        401 => "UnauthorizedException",
        403 => "ForbiddenException",
        404 => "ResourceNotFoundException",
        405 => "MethodNotAllowedException",
        409 => "ConflictException",
        413 => "RequestEntityTooLargeException",
        415 => "UnsupportedDocumentEncodingException",
        429 => "ThrottlingException",
        503 => "ServiceUnavailableException",
        _ => "InternalFailureException",
    };

    /// <summary>Writes an error with the data plane's type for <paramref name="status"/>.</summary>
    public static Task WriteAsync(HttpContext context, int status, string message) => WriteAsync(context, status, TypeFor(status), message);

    /// <summary>Writes an error with an explicit type (the control plane has its own, e.g. ResourceAlreadyExistsException).</summary>
    public static async Task WriteAsync(HttpContext context, int status, string errorType, string message)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        context.Response.Headers[ErrorTypeHeader] = errorType;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject { ["message"] = message }.ToJsonString()).ConfigureAwait(false);
    }
}
