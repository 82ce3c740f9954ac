using System;
using System.IO;

namespace DeviceFirmware.Esp32;

/// <summary>
/// The files the ESP32 keeps on its internal flash drive <c>I:\</c> (nanoFramework's file system in
/// the flash partition the firmware image leaves free). The configuration and the three certificate
/// files are copied there over USB with <c>nanoff --filedeployment</c> (docs/esp32.md). The
/// device certificate and key keep the names of the Pi's <c>certs/</c>; the root CA is
/// <c>root-ca.pem</c> whichever CA it is (Amazon Root CA 1, or LocalIotCore's local-root-ca.pem).
/// Reads are bounded (a file larger than its limit is refused, not read into a heap it would fill);
/// writes go to a temporary file first, then replace the old one.
/// </summary>
internal static class DeviceFiles
{
    public const string Configuration = "I:\\device.json";
    public const string RootCa = "I:\\root-ca.pem";
    public const string DeviceCertificate = "I:\\device.pem.crt";
    public const string PrivateKey = "I:\\private.pem.key";
    public const string RelayState = "I:\\relay.state";
    public const string TelemetrySequence = "I:\\telemetry.seq";

    /// <summary>A PEM certificate or key is 1-3 KB; the configuration well under this.</summary>
    public const int MaximumFileBytes = 8 * 1024;

    /// <summary>
    /// The file's bytes, or null with <paramref name="failure"/> saying why (missing, too large,
    /// unreadable). <paramref name="appendNul"/> adds a terminating zero byte: mbedTLS parses PEM
    /// only with it (nanoFramework's string constructors of X509Certificate add it the same way).
    /// </summary>
    public static byte[]? Read(string path, bool appendNul, out string? failure)
    {
        failure = null;
        try
        {
            if (!File.Exists(path))
            {
                failure = path + " does not exist on the device";
                return null;
            }

            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read))
            {
                long length = stream.Length;
                if (length > MaximumFileBytes)
                {
                    failure = path + " is " + length.ToString() + " bytes, more than the " + MaximumFileBytes.ToString() + " allowed";
                    return null;
                }

                var bytes = new byte[(int)length + (appendNul ? 1 : 0)];
                int read = 0;
                while (read < length)
                {
                    int n = stream.Read(bytes, read, (int)length - read);
                    if (n <= 0)
                    {
                        failure = path + " ended after " + read.ToString() + " of " + length.ToString() + " bytes";
                        return null;
                    }

                    read += n;
                }

                return bytes;
            }
        }
        catch (Exception ex)
        {
            failure = path + " cannot be read: " + ex.Message;
            return null;
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="count"/> bytes of
    /// <paramref name="data"/>; false with <paramref name="failure"/> when the flash refuses.</summary>
    public static bool Write(string path, byte[] data, int count, out string? failure)
    {
        failure = null;
        string temporary = path + ".new";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            {
                stream.Write(data, 0, count);
                stream.Flush();
            }

            // File.Move refuses an existing target, so the old file goes first: a power cut between
            // the two steps leaves the .new file, which Read does not look at (the value is lost,
            // never half-written).
            if (File.Exists(path))
            {
                File.Delete(path);
            }

            File.Move(temporary, path);
            return true;
        }
        catch (Exception ex)
        {
            failure = path + " cannot be written: " + ex.Message;
            return false;
        }
    }
}
