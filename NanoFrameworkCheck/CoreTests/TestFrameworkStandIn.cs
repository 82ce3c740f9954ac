// A reference-only stand-in for the part of nanoFramework.TestFramework (the 1.x line, for
// mscorlib without generics) that portable tests may use, so that they compile here as they
// would in a nanoFramework test project. Signatures follow the package's public API: each
// Assert member takes an optional message last, filled from the caller's expression; no
// overload is generic. Nothing here is ever run or shipped: every body throws.
// The package compiles without nullable annotations, hence oblivious types here too.
#nullable disable

using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace nanoFramework.TestFramework
{
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
    public class TestClassAttribute : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
    public class TestMethodAttribute : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public class DataRowAttribute : Attribute
    {
        public DataRowAttribute(params object[] methodParameters) => throw null;

        public object[] MethodParameters => throw null;
    }

    public sealed class Assert
    {
        private Assert() => throw null;

        public static void AreEqual(bool expected, bool actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(byte expected, byte actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(char expected, char actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(sbyte expected, sbyte actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(short expected, short actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(ushort expected, ushort actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(int expected, int actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(uint expected, uint actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(long expected, long actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(ulong expected, ulong actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(float expected, float actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(double expected, double actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(DateTime expected, DateTime actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(string expected, string actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreEqual(object expected, object actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(bool notExpected, bool actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(byte notExpected, byte actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(char notExpected, char actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(sbyte notExpected, sbyte actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(short notExpected, short actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(ushort notExpected, ushort actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(int notExpected, int actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(uint notExpected, uint actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(long notExpected, long actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(ulong notExpected, ulong actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(float notExpected, float actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(double notExpected, double actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(DateTime notExpected, DateTime actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(string notExpected, string actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotEqual(object notExpected, object actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void IsTrue(bool condition, [CallerArgumentExpression("condition")] string message = "") => throw null;

        public static void IsFalse(bool condition, [CallerArgumentExpression("condition")] string message = "") => throw null;

        public static void IsNull(object value, [CallerArgumentExpression("value")] string message = "") => throw null;

        public static void IsNotNull([NotNull] object value, [CallerArgumentExpression("value")] string message = "") => throw null;

        public static void AreSame(object expected, object actual, [CallerArgumentExpression("actual")] string message = "") => throw null;

        public static void AreNotSame(object notExpected, object actual, string message = "") => throw null;

        public static void IsInstanceOfType(object value, Type expected, [CallerArgumentExpression("value")] string message = "") => throw null;

        public static void IsNotInstanceOfType(object value, Type notExpected, [CallerArgumentExpression("value")] string message = "") => throw null;
    }
}
