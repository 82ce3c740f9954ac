using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Firmware.EndToEnd.Harness;

/// <summary>LocalIotCore's HTTP API as an operator or an application uses it.</summary>
public sealed class ShadowApi(int httpPort, string thing) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri("http://127.0.0.1:" + httpPort), Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The shadow document, or null when there is none or LocalIotCore does not answer.</summary>
    public async Task<JsonNode?> ShadowAsync()
    {
        try
        {
            using var response = await _http.GetAsync(new Uri("/things/" + thing + "/shadow", UriKind.Relative)).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK ? JsonNode.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false)) : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public async Task<JsonNode?> ReportedAsync() => (await ShadowAsync().ConfigureAwait(false))?["state"]?["reported"];

    /// <summary>reported.connected, or null when absent or unreadable.</summary>
    public async Task<bool?> ConnectedAsync() => (await ReportedAsync().ConfigureAwait(false))?["connected"] is JsonValue value && value.TryGetValue<bool>(out var connected) ? connected : null;

    /// <summary>POSTs <c>{"state":{"desired":...}}</c>; returns the status code and body.</summary>
    public Task<(int Status, string Body)> DesireAsync(string desiredJson) => UpdateAsync("{\"state\":{\"desired\":" + desiredJson + "}}");

    public async Task<(int Status, string Body)> UpdateAsync(string document)
    {
        using var content = new StringContent(document, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(new Uri("/things/" + thing + "/shadow", UriKind.Relative), content).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync().ConfigureAwait(false));
    }

    /// <summary>The notifier's notifications for this thing.</summary>
    public async Task<int> NotificationCountAsync()
    {
        var list = (await GetAsync("/api/notifications").ConfigureAwait(false))?["notifications"]?.AsArray() ?? [];
        var count = 0;
        foreach (var notification in list)
        {
            if ((string?)notification?["thing"] == thing)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The notifier's pending checks (all things), or null when LocalIotCore does not answer.</summary>
    public async Task<int?> PendingChecksAsync() => (int?)(await GetAsync("/api/notifications").ConfigureAwait(false))?["pendingChecks"];

    /// <summary>The lifecycle view of this thing in /api/things, or null.</summary>
    public async Task<JsonNode?> ConnectionAsync()
    {
        foreach (var entry in (await GetAsync("/api/things").ConfigureAwait(false))?["things"]?.AsArray() ?? [])
        {
            if ((string?)entry?["thing"] == thing)
            {
                return entry?["connection"];
            }
        }

        return null;
    }

    /// <summary>The upload rule's history (GET /api/s3-uploads: each upload's url, hash and per-thing results), or null.</summary>
    public Task<JsonNode?> S3UploadsAsync() => GetAsync("/api/s3-uploads");

    public void Dispose() => _http.Dispose();

    private async Task<JsonNode?> GetAsync(string path)
    {
        try
        {
            return JsonNode.Parse(await _http.GetStringAsync(new Uri(path, UriKind.Relative)).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
