// Reference-only stand-in for nanoFramework.System.Threading 1.1 (CoreLibrary 1.17's mscorlib has no
// CancellationToken): only what the Wi-Fi call needs. Checked against nanoframework/System.Threading:
// nanoFramework.System.Threading/Threading/CancellationTokenSource.cs (CancellationTokenSource(int
// millisecondsDelay), Token, Dispose) and Threading/CancellationToken.cs (a struct).
// Never shipped, never run.
using NanoFrameworkCheck.StandIns;

namespace System.Threading
{
    public readonly struct CancellationToken
    {
    }

    public class CancellationTokenSource : IDisposable
    {
        public CancellationTokenSource(int millisecondsDelay)
        {
            throw StandIn.NotForRuntime();
        }

        public CancellationToken Token => throw StandIn.NotForRuntime();

        public void Dispose() => throw StandIn.NotForRuntime();
    }
}
