using Microsoft.Extensions.Logging;

namespace DeviceFirmware.Hardware;

/// <summary>
/// The relay's last applied state in a tiny file ("ON" or "OFF"), for power-on state Last.
/// Written atomically (temp file, flush to disk, rename), so a power cut leaves the old or the new
/// state, never a torn one.
/// </summary>
public sealed class RelayStateFile : IRelayStateStore
{
    private readonly string _path;
    private readonly ILogger _log;

    public RelayStateFile(string path, ILogger<RelayStateFile> log)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = Path.GetFullPath(path);
        _log = log ?? throw new ArgumentNullException(nameof(log));
    }

    public bool? Load()
    {
        try
        {
            if (!File.Exists(_path))
            {
                _log.LogInformation("No relay state file at {Path}; the relay starts off.", _path);
                return null;
            }

            var text = File.ReadAllText(_path).Trim();
            switch (text)
            {
                case "ON":
                    return true;
                case "OFF":
                    return false;
                default:
                    _log.LogWarning("The relay state file {Path} holds '{Text}', not ON or OFF; the relay starts off.", _path, text.Length > 20 ? text[..20] + "..." : text);
                    return null;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.LogWarning("The relay state file {Path} cannot be read ({Reason}); the relay starts off.", _path, ex.Message);
            return null;
        }
    }

    public void Save(bool on)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var temporary = _path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(on ? "ON\n"u8 : "OFF\n"u8);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
    }
}
