using System;

namespace DeviceFirmware.Tests.Core;

/// <summary>A step a test expects to throw (a delegate of its own: no Action&lt;T&gt; on nanoFramework).</summary>
public delegate void ThrowingStep();

/// <summary>Exception checks that MSTest and nanoFramework.TestFramework can both run (no generic asserts).</summary>
internal static class Expect
{
    /// <summary>Fails unless <paramref name="step"/> throws exactly <paramref name="exceptionType"/>.</summary>
    public static void Throws(Type exceptionType, ThrowingStep step, string message)
    {
        Exception? caught = null;
        try
        {
            step();
        }
        catch (Exception ex)
        {
            caught = ex;
        }

        Assert.IsNotNull(caught, message + ": nothing was thrown");
        Assert.IsTrue(caught!.GetType() == exceptionType, message + ": threw " + caught.GetType().Name + " instead of " + exceptionType.Name);
    }
}
