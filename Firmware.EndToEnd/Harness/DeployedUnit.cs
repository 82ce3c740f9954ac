namespace Firmware.EndToEnd.Harness;

/// <summary>
/// The environment deploy/devicefirmware.service gives the firmware on a device, read from that file
/// (so that what the rig and the benchmarks measure as "the unit" is what systemd would run).
/// </summary>
public static class DeployedUnit
{
    public static string ServicePath => Path.Combine(BuiltPrograms.RepositoryRoot, "deploy", "devicefirmware.service");

    /// <summary>Every <c>Environment=KEY=VALUE</c> line of the unit, in order (a later one wins, as in systemd).</summary>
    public static IReadOnlyDictionary<string, string> Environment()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(ServicePath))
        {
            if (!line.StartsWith("Environment=", StringComparison.Ordinal))
            {
                continue;
            }

            var assignment = line["Environment=".Length..].Trim();
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || assignment.Contains('"', StringComparison.Ordinal) || assignment.Contains(' ', StringComparison.Ordinal))
            {
                throw new FormatException("Only one unquoted KEY=VALUE per Environment= line is understood here: '" + line + "' in " + ServicePath + ".");
            }

            variables[assignment[..equals]] = assignment[(equals + 1)..];
        }

        return variables;
    }

    /// <summary>
    /// The unit's environment for a firmware the rig runs: the device's own settings
    /// (<c>DeviceFirmware__*</c>: Raspberry Pi hardware, /var/lib paths) left to the rig's command line,
    /// and the trust store (SSL_CERT_FILE = the device's root CA, SSL_CERT_DIR = a folder with no
    /// certificates) pointed at the rig's root CA and an empty folder instead of /opt/devicefirmware.
    /// </summary>
    public static Dictionary<string, string> ForRig(string rootCaPath, string emptyFolder)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in Environment())
        {
            if (pair.Key.StartsWith("DeviceFirmware__", StringComparison.Ordinal))
            {
                continue;
            }

            variables[pair.Key] = pair.Key switch
            {
                "SSL_CERT_FILE" => rootCaPath,
                "SSL_CERT_DIR" => emptyFolder,
                _ => pair.Value,
            };
        }

        return variables;
    }
}
