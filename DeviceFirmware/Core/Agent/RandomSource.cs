namespace DeviceFirmware.Core.Agent;

/// <summary>Returns a number in [0, 1); injected so tests are exact. A delegate of its own: the
/// nanoFramework runtime cannot run <c>Func&lt;double&gt;</c> (or any generic code).</summary>
public delegate double RandomSource();
