using System;
using System.Security.Cryptography.X509Certificates;

namespace DeviceFirmware.Esp32;

/// <summary>
/// The root CA and the device certificate with its key, read from the device's flash
/// (<see cref="DeviceFiles.RootCa"/>, <see cref="DeviceFiles.DeviceCertificate"/>,
/// <see cref="DeviceFiles.PrivateKey"/>: the PEM files LocalIotCore mints or AWS hands out, copied
/// with nanoff --filedeployment). Read again for every connect attempt, so files uploaded after boot are
/// used without a reset; while connected, M2Mqtt holds them (about 5 KB of heap with the parsed forms).
/// </summary>
internal static class DeviceCertificates
{
    public static bool TryLoad(out X509Certificate? rootCa, out X509Certificate2? device, out string? failure)
    {
        rootCa = null;
        device = null;
        var ca = DeviceFiles.Read(DeviceFiles.RootCa, true, out failure);
        var cert = ca == null ? null : DeviceFiles.Read(DeviceFiles.DeviceCertificate, true, out failure);
        var key = cert == null ? null : DeviceFiles.Read(DeviceFiles.PrivateKey, false, out failure);
        if (key == null)
        {
            failure = "certificate files missing: " + failure;
            return false;
        }

        string? keyText = AsciiText.Decode(key, 0, key.Length);
        if (keyText == null || keyText.IndexOf("PRIVATE KEY-----") < 0)
        {
            failure = DeviceFiles.PrivateKey + " is not a PEM private key";
            return false;
        }

        try
        {
            rootCa = new X509Certificate(ca!);
        }
        catch (Exception ex)
        {
            failure = DeviceFiles.RootCa + " is not a PEM certificate: " + ex.Message;
            return false;
        }

        try
        {
            // An unencrypted key: the password is empty (nanoFramework's own AWS sample does the same).
            device = new X509Certificate2(cert!, keyText, "");
        }
        catch (Exception ex)
        {
            failure = DeviceFiles.DeviceCertificate + " and " + DeviceFiles.PrivateKey + " cannot be loaded together: " + ex.Message;
            return false;
        }

        return true;
    }
}
