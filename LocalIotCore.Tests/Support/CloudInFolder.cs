using LocalIotCore.Hosting;

namespace LocalIotCore.Tests.Support;

/// <summary>LocalIotCore in-process on free ports in a fresh temporary data folder, with an HTTP client on its API; restartable on the same folder.</summary>
internal sealed class CloudInFolder : IAsyncDisposable
{
    private readonly Microsoft.Extensions.Logging.ILoggerFactory? _loggers;
    private readonly Action<LocalIotCoreOptions>? _configure;

    private CloudInFolder(string folder, Microsoft.Extensions.Logging.ILoggerFactory? loggers, Action<LocalIotCoreOptions>? configure)
    {
        Folder = folder;
        _loggers = loggers;
        _configure = configure;
    }

    public string Folder { get; }

    public LocalIotCoreServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>Starts LocalIotCore with every port free (MQTT TLS, plain MQTT, HTTP); <paramref name="configure"/> may change the options first.</summary>
    public static async Task<CloudInFolder> StartAsync(string purpose, Microsoft.Extensions.Logging.ILoggerFactory? loggers = null, Action<LocalIotCoreOptions>? configure = null)
    {
        var cloud = new CloudInFolder(Path.Combine(Path.GetTempPath(), "localiotcore-" + purpose + "-" + Guid.NewGuid().ToString("N")), loggers, configure);
        await cloud.StartServerAsync();
        return cloud;
    }

    /// <summary>Stops LocalIotCore and starts it again on the same data folder (new ports).</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartServerAsync();
    }

    /// <summary>Stops LocalIotCore (once; later calls do nothing) and keeps the data folder until disposed.</summary>
    public async Task StopAsync()
    {
        var server = Server;
        Server = null!;
        Http?.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Folder, recursive: true);
    }

    private async Task StartServerAsync()
    {
        var options = new LocalIotCoreOptions { DataDirectory = Folder, MqttPort = 0, HttpPort = 0, PlainApplicationPort = 0 };
        _configure?.Invoke(options);
        Server = await LocalIotCoreServer.StartAsync(options, _loggers);
        Http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:" + Server.HttpPort) };
    }
}
