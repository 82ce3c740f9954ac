using System.Globalization;
using Firmware.EndToEnd.Harness;
using LocalIotCore.Broker;
using LocalIotCore.Certificates;

namespace Firmware.Benchmarks.Fleet;

/// <summary>
/// LocalIotCore as its own OS process on loopback (so the fleet's memory is the fleet's alone, and
/// a kill -9 is real), with fixed ports and one data folder, so a restart comes back where it was.
/// The folder's CA is created here first, so that the fleet's certificates can be minted before it starts.
/// </summary>
internal sealed class CloudProcess : IAsyncDisposable
{
    private ChildProcess? _process;
    private int _starts;

    public CloudProcess(string folder)
    {
        Folder = folder;
        Directory.CreateDirectory(DataFolder);
        Authority = LocalCertificateAuthority.LoadOrCreate(Path.Combine(DataFolder, "ca"));
        Authority.WriteCertificatePem(RootCaPath);
        TlsPort = FreeTcpPort.Next();
        PlainPort = FreeTcpPort.Next();
        HttpPort = FreeTcpPort.Next();
    }

    public string Folder { get; }

    public string DataFolder => Path.Combine(Folder, "cloud");

    public string RootCaPath => Path.Combine(Folder, "root-ca.pem");

    public LocalCertificateAuthority Authority { get; }

    public int TlsPort { get; }

    /// <summary>Plain loopback MQTT for the benchmark's application client.</summary>
    public int PlainPort { get; }

    public int HttpPort { get; }

    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    public async Task StartAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
        }

        _starts++;
        _process = await LocalIotCoreProcess.StartAsync("LocalIotCore#" + _starts,
            ["--data-dir", DataFolder, "--mqtt-port", Invariant(TlsPort), "--plain-port", Invariant(PlainPort), "--http-port", Invariant(HttpPort), "--https-port", "off"],
            Folder, Path.Combine(Folder, "localiotcore.log")).ConfigureAwait(false);
    }

    /// <summary>kill -9: every device connection drops at once, as when the broker host dies.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
        }

        Authority.Dispose();
        SimulatedFleet.DeleteFolder(Folder);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
