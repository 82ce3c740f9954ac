// Reference-only stand-in for nanoFramework.Networking.Sntp 1.6: only the members the ESP32 host
// calls. Checked against nanoframework/nanoFramework.Networking.Sntp:
// nanoFramework.Networking.Sntp/Sntp.cs (Start, UpdateNow, IsStarted, Server1; the system clock is
// set after each successful sync). Never shipped, never run.
using NanoFrameworkCheck.StandIns;

namespace nanoFramework.Networking
{
    public static class Sntp
    {
        public static void Start() => throw StandIn.NotForRuntime();

        public static void UpdateNow() => throw StandIn.NotForRuntime();

        public static bool IsStarted => throw StandIn.NotForRuntime();

        public static string Server1
        {
            get => throw StandIn.NotForRuntime();
            set => throw StandIn.NotForRuntime();
        }
    }
}
