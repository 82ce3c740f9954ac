// What every stand-in body throws. The stand-ins under this folder exist so that CI can compile the
// ESP32 host against nanoFramework's mscorlib without the nanoFramework packages (they are not
// served here); they are never shipped and never run.
namespace NanoFrameworkCheck.StandIns
{
    internal static class StandIn
    {
        public static System.Exception NotForRuntime() =>
            new System.NotSupportedException("A reference-only stand-in for a nanoFramework package was called; it must never run.");
    }
}
