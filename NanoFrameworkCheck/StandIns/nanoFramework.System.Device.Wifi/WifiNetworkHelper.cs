// Reference-only stand-in for nanoFramework.System.Device.Wifi 1.5: only the members the ESP32 host
// calls. Checked against nanoframework/System.Device.Wifi:
// System.Device.Wifi/NetworkHelper/WifiNetworkHelper.cs (ConnectDhcp(ssid, password,
// reconnectionKind, requiresDateTime, wifiAdapterId, token), Status, HelperException),
// System.Device.Wifi/WifiReconnectionKind.cs, and NetworkHelperStatus (namespace
// nanoFramework.Networking). Never shipped, never run.
using System;
using System.Device.Wifi;
using System.Threading;
using NanoFrameworkCheck.StandIns;

namespace System.Device.Wifi
{
    public enum WifiReconnectionKind
    {
        Automatic,
        Manual,
    }
}

namespace nanoFramework.Networking
{
    public static class WifiNetworkHelper
    {
        public static NetworkHelperStatus Status => throw StandIn.NotForRuntime();

        public static Exception HelperException => throw StandIn.NotForRuntime();

        public static bool ConnectDhcp(
            string ssid,
            string password,
            WifiReconnectionKind reconnectionKind = WifiReconnectionKind.Automatic,
            bool requiresDateTime = false,
            int wifiAdapterId = 0,
            CancellationToken token = default) => throw StandIn.NotForRuntime();
    }

    /// <summary>The first members, in the package's order; the host logs the value as a number.</summary>
    public enum NetworkHelperStatus
    {
        None,
        Started,
        NetworkIsReady,
        FailedNoNetworkInterface,
        TokenExpiredWaitingIPAddress,
        TokenExpiredWaitingDateTime,
    }
}
