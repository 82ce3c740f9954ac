using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace DeviceFirmware.Tests.NanoFrameworkCheck;

/// <summary>
/// Reads the assemblies that NanoFrameworkCheck/ compiled against nanoFramework's mscorlib
/// (the portable core; the core with its portable tests) and fails on anything generic or a
/// tuple: the nanoFramework 1.x runtime cannot load such an assembly. The build copies them into
/// the NanoFrameworkCheck folder next to this test assembly (DeviceFirmware.Tests.csproj).
/// </summary>
[TestClass]
public sealed class NanoFrameworkMetadataTests
{
    // The fewest DeviceFirmware.* types each check assembly must hold, so that a check that
    // compiled nothing cannot pass. Raise them when NanoFrameworkCheck/PortableSources.props
    // switches to the whole core.
    private const int MinimumCoreTypes = 10;
    private const int MinimumCoreTestTypes = 12;

    [TestMethod]
    [DataRow("NanoFrameworkCheck.Core", MinimumCoreTypes)]
    [DataRow("NanoFrameworkCheck.CoreTests", MinimumCoreTestTypes)]
    public void Check_assembly_holds_no_generics_and_no_tuples(string assemblyName, int minimumTypes)
    {
        using var pe = OpenCheckAssembly(assemblyName);
        var offenders = GenericUseScanner.Scan(pe);
        Assert.AreEqual(0, offenders.Count, assemblyName + " holds what nanoFramework cannot load:\n  " + string.Join("\n  ", offenders));

        var types = DeviceFirmwareTypes(pe.GetMetadataReader());
        Assert.IsTrue(types.Count >= minimumTypes,
            assemblyName + " holds " + types.Count + " DeviceFirmware types, fewer than " + minimumTypes + " (" + string.Join(", ", types) + "): did the check compile the core?");
    }

    [TestMethod]
    [DataRow("NanoFrameworkCheck.Core")]
    [DataRow("NanoFrameworkCheck.CoreTests")]
    public void Check_assembly_references_nanoFramework_mscorlib_alone(string assemblyName)
    {
        using var pe = OpenCheckAssembly(assemblyName);
        var md = pe.GetMetadataReader();
        var references = md.AssemblyReferences.Select(h => md.GetAssemblyReference(h)).ToList();
        var names = references.Select(r => md.GetString(r.Name) + " " + r.Version).ToList();
        Assert.AreEqual(1, references.Count, assemblyName + " references: " + string.Join(", ", names));
        Assert.AreEqual("mscorlib", md.GetString(references[0].Name));
        // .NET Framework's mscorlib is 4.0.0.0; nanoFramework's carries the package's version (1.17.x).
        Assert.AreEqual(1, references[0].Version.Major, "not nanoFramework's mscorlib: " + names[0]);
    }

    /// <summary>
    /// The scanner finds each kind of offender, shown on this (.NET) test assembly, where
    /// <see cref="GenericSamples"/> holds one of each. Without this, a scanner that found nothing
    /// would pass every check.
    /// </summary>
    [TestMethod]
    public void Scanner_reports_each_kind_of_generic_use()
    {
        using var pe = new PEReader(File.OpenRead(typeof(GenericSamples).Assembly.Location));
        var offenders = GenericUseScanner.Scan(pe);
        string[] expected =
        [
            "generic type definition: DeviceFirmware.Tests.NanoFrameworkCheck.GenericSamples+Box`1",
            "generic method definition: DeviceFirmware.Tests.NanoFrameworkCheck.GenericSamples.Echo",
            "generic parameter: T of DeviceFirmware.Tests.NanoFrameworkCheck.GenericSamples+Box`1",
            "field DeviceFirmware.Tests.NanoFrameworkCheck.GenericSamples.Numbers: System.Collections.Generic.List`1<Int32>",
            "field DeviceFirmware.Tests.NanoFrameworkCheck.GenericSamples.MaybeNumber: System.Nullable`1<Int32>",
            "generic method instantiation: DeviceFirmware.Tests.NanoFrameworkCheck.GenericSamples.Echo<Int32>",
            "tuple: System.ValueTuple`2",
            "locals of DeviceFirmware.Tests.NanoFrameworkCheck.GenericSamples.UseAll",
        ];
        foreach (var line in expected)
        {
            Assert.IsTrue(offenders.Any(o => o.StartsWith(line, StringComparison.Ordinal)), "not reported: " + line);
        }
    }

    private static PEReader OpenCheckAssembly(string assemblyName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "NanoFrameworkCheck", assemblyName + ".dll");
        // Never pass for want of an assembly: the build must have produced and copied it.
        Assert.IsTrue(File.Exists(path), "missing " + path + ": build Firmware.sln (NanoFrameworkCheck/ projects) first");
        return new PEReader(File.OpenRead(path));
    }

    private static List<string> DeviceFirmwareTypes(MetadataReader md) =>
        md.TypeDefinitions
            .Select(h => md.GetTypeDefinition(h))
            .Where(t => t.GetDeclaringType().IsNil)
            .Select(t => md.GetString(t.Namespace) + "." + md.GetString(t.Name))
            .Where(n => n.StartsWith("DeviceFirmware.", StringComparison.Ordinal))
            .ToList();
}

/// <summary>One of each generic construct, for <see cref="NanoFrameworkMetadataTests.Scanner_reports_each_kind_of_generic_use"/>.</summary>
internal static class GenericSamples
{
    public static readonly List<int> Numbers = [];
    public static readonly int? MaybeNumber = null;

    public static T Echo<T>(T value) => value;

    public static int UseAll()
    {
        var pair = (Numbers.Count, Echo(2));
        var box = new Box<string>("x");
        return pair.Item1 + pair.Item2 + box.Value.Length + (MaybeNumber ?? 0);
    }

    public sealed class Box<T>(T value)
    {
        public T Value { get; } = value;
    }
}
