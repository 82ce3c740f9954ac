using System.Globalization;
using System.Net;
using System.Text.Json;

namespace DeviceFirmware.Cloud;

/// <summary>
/// The AWS IoT credentials provider as a device calls it: <c>GET /role-aliases/&lt;alias&gt;/credentials</c>
/// over mutual TLS with the device certificate (the handler carries it) and the thing name in
/// <c>x-amzn-iot-thingname</c>, answering temporary credentials for the role the alias names. Kept
/// until shortly before they expire. Not thread-safe: the host fetches one object at a time.
/// </summary>
internal sealed class IotCredentialsClient
{
    /// <summary>Fresh credentials are fetched this long before the cached ones expire.</summary>
    public static readonly TimeSpan RenewBeforeExpiry = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly string _thingName;
    private readonly TimeProvider _time;
    private AwsCredentials? _cached;

    /// <param name="endpoint">https://&lt;prefix&gt;.credentials.iot.&lt;region&gt;.amazonaws.com (DescribeEndpoint iot:CredentialProvider).</param>
    public IotCredentialsClient(HttpClient http, Uri endpoint, string roleAlias, string thingName, TimeProvider time)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentException.ThrowIfNullOrEmpty(roleAlias);
        _url = new Uri(endpoint, "/role-aliases/" + Uri.EscapeDataString(roleAlias) + "/credentials");
        _thingName = thingName ?? throw new ArgumentNullException(nameof(thingName));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    public async Task<AwsCredentials> GetAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (_cached is { ExpirationUtc: DateTime expires } && expires - now > RenewBeforeExpiry)
        {
            return _cached;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, _url);
        request.Headers.TryAddWithoutValidation("x-amzn-iot-thingname", _thingName);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new CloudRequestException("the credentials provider answered " + (int)response.StatusCode + Message(body));
        }

        _cached = Parse(body);
        return _cached;
    }

    /// <summary><c>{"credentials":{"accessKeyId","secretAccessKey","sessionToken","expiration"}}</c>.</summary>
    public static AwsCredentials Parse(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var credentials = document.RootElement.GetProperty("credentials");
            var expiration = DateTime.Parse(credentials.GetProperty("expiration").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            return new AwsCredentials(
                credentials.GetProperty("accessKeyId").GetString()!,
                credentials.GetProperty("secretAccessKey").GetString()!,
                credentials.GetProperty("sessionToken").GetString()!,
                expiration);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentNullException)
        {
            throw new CloudRequestException("the credentials provider's answer is not the credentials document: " + ex.Message, ex);
        }
    }

    /// <summary>": <message>" from an AWS error body, or nothing.</summary>
    private static string Message(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                ? ": " + message.GetString()
                : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }
}
