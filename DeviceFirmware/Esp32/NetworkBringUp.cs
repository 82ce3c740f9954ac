using System;
using System.Device.Wifi;
using System.Threading;
using nanoFramework.Networking;

namespace DeviceFirmware.Esp32;

/// <summary>
/// What has to be true before a TLS connect: Wi-Fi joined (DHCP) with the configured network, then a
/// clock SNTP has set. A TLS handshake checks the certificates' validity dates, and an ESP32 boots at
/// 1970-01-01: with that clock every certificate is "not yet valid" and the handshake fails with an
/// error that does not say why, so the connect is not even tried and the log says it plainly. Each
/// check that fails becomes a failed connect attempt, so the core's backoff paces the retries.
/// The ESP32 rejoins Wi-Fi by itself after a drop (reconnection kind Automatic).
/// </summary>
internal sealed class NetworkBringUp
{
    /// <summary>No certificate this device uses was issued before this: a clock earlier is unset.</summary>
    public static readonly DateTime EarliestPlausibleUtc = new DateTime(2025, 1, 1);

    private const int WifiJoinTimeoutMilliseconds = 30000;

    private readonly Esp32Settings _settings;
    private readonly SerialLog _log;
    private bool _wifiJoined;
    private bool _sntpStarted;
    private bool _clockReported;

    public NetworkBringUp(Esp32Settings settings, SerialLog log)
    {
        _settings = settings;
        _log = log;
    }

    /// <summary>True when a TLS connect can be tried; else <paramref name="reason"/> says what is missing.</summary>
    public bool IsReady(out string? reason)
    {
        if (!_wifiJoined && !JoinWifi(out reason))
        {
            return false;
        }

        return ClockIsSet(out reason);
    }

    private bool JoinWifi(out string? reason)
    {
        _log.Info(SerialLog.NetworkCategory, "Joining Wi-Fi network '" + _settings.WifiSsid + "'...");
        bool joined;
        try
        {
            using (var timeout = new CancellationTokenSource(WifiJoinTimeoutMilliseconds))
            {
                joined = WifiNetworkHelper.ConnectDhcp(_settings.WifiSsid, _settings.WifiPassword, WifiReconnectionKind.Automatic, false, 0, timeout.Token);
            }
        }
        catch (Exception ex)
        {
            reason = "Wi-Fi '" + _settings.WifiSsid + "' not joined: " + ex.Message;
            return false;
        }

        if (!joined)
        {
            var detail = WifiNetworkHelper.HelperException;
            reason = "Wi-Fi '" + _settings.WifiSsid + "' not joined within " + (WifiJoinTimeoutMilliseconds / 1000).ToString() +
                " s (helper status " + ((int)WifiNetworkHelper.Status).ToString() + (detail == null ? "" : ": " + detail.Message) +
                "); check Wifi:Ssid and Wifi:Password, and that the network is 2.4 GHz";
            return false;
        }

        _wifiJoined = true;
        _log.Info(SerialLog.NetworkCategory, "Wi-Fi joined: '" + _settings.WifiSsid + "' (DHCP).");
        reason = null;
        return true;
    }

    private bool ClockIsSet(out string? reason)
    {
        var now = DateTime.UtcNow;
        if (now >= EarliestPlausibleUtc)
        {
            if (!_clockReported)
            {
                _clockReported = true;
                _log.Info(SerialLog.NetworkCategory, "Clock set by SNTP: " + UtcText(now) + ".");
            }

            reason = null;
            return true;
        }

        try
        {
            if (!_sntpStarted)
            {
                if (_settings.SntpServer.Length > 0)
                {
                    Sntp.Server1 = _settings.SntpServer;
                }

                Sntp.Start();
                _sntpStarted = true;
            }
            else
            {
                Sntp.UpdateNow();
            }
        }
        catch (Exception ex)
        {
            reason = "the clock is not set and SNTP cannot be started: " + ex.Message;
            return false;
        }

        reason = "the clock reads " + UtcText(now) + ", not set yet: TLS would reject every certificate as not yet valid, so no connect is tried until SNTP (" +
            Sntp.Server1 + ") sets it";
        return false;
    }

    /// <summary>yyyy-MM-ddTHH:mm:ssZ without culture or format strings.</summary>
    public static string UtcText(DateTime utc) =>
        utc.Year.ToString() + "-" + Two(utc.Month) + "-" + Two(utc.Day) + "T" + Two(utc.Hour) + ":" + Two(utc.Minute) + ":" + Two(utc.Second) + "Z";

    private static string Two(int value) => value < 10 ? "0" + value.ToString() : value.ToString();
}
