using System.Text;
using System.Text.Json.Nodes;
using LocalIotCore.Hosting;
using LocalIotCore.Shadows;

namespace DeviceFirmware.Tests.Support;

/// <summary>Thing pump-1's classic shadow in LocalIotCore: written as an application does (HTTP), read from the shadow service.</summary>
internal static class PumpShadow
{
    public const string Thing = "pump-1";

    private static readonly ShadowId Id = new(Thing, null);

    /// <summary>POST /things/pump-1/shadow with <c>{"state":{"desired": desired}}</c>; asserts 200.</summary>
    public static async Task Desire(HttpClient http, string desired)
    {
        using var content = new StringContent("{\"state\":{\"desired\":" + desired + "}}", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("/things/" + Thing + "/shadow", UriKind.Relative), content);
        Assert.AreEqual(200, (int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The whole document from the shadow service; null while there is none.</summary>
    public static JsonNode? Document(LocalIotCoreServer cloud)
    {
        var response = cloud.Shadows.Get(Id, []);
        return response.StatusCode == 200 ? JsonNode.Parse(response.Body) : null;
    }

    public static JsonNode? Reported(LocalIotCoreServer cloud) => Document(cloud)?["state"]?["reported"];
}
