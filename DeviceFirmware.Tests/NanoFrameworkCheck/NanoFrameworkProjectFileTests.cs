using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace DeviceFirmware.Tests.NanoFrameworkCheck;

/// <summary>
/// The two .nfproj projects are built only by the nanoFramework extension, never in CI, so their
/// package references are checked here as text: every assembly a project references comes from a
/// package its packages.config lists at that version, every package listed is referenced, both
/// projects use CoreLibrary 1.17.11 (the mscorlib CI compiles the portable code against), and CI's
/// stand-ins cover only packages the ESP32 application really lists.
/// </summary>
[TestClass]
public sealed partial class NanoFrameworkProjectFileTests
{
    private const string CoreLibraryVersion = "1.17.11";

    [TestMethod]
    [DataRow("DeviceFirmware/Esp32/DeviceFirmware.Esp32.nfproj")]
    [DataRow("DeviceFirmware.Tests/NanoFramework/NFUnitTest.nfproj")]
    public void Each_reference_matches_a_listed_package_and_each_package_is_referenced(string project)
    {
        var path = Path.Combine(RepositoryRoot(), project);
        var listed = ListedPackages(Path.Combine(Path.GetDirectoryName(path)!, "packages.config"));
        var referenced = new HashSet<string>(StringComparer.Ordinal);

        foreach (var hint in XDocument.Load(path).Descendants().Where(e => e.Name.LocalName == "HintPath").Select(e => e.Value))
        {
            var match = HintPathPattern().Match(hint);
            Assert.IsTrue(match.Success, project + ": a HintPath outside the solution's packages folder: " + hint);
            var id = match.Groups["id"].Value;
            var version = match.Groups["version"].Value;
            Assert.IsTrue(listed.TryGetValue(id, out var listedVersion), project + " references " + id + " that packages.config does not list");
            Assert.AreEqual(listedVersion, version, project + ": " + id + " is referenced at " + version + " but packages.config lists " + listedVersion);
            referenced.Add(id);
        }

        CollectionAssert.AreEquivalent(listed.Keys.ToList(), referenced.ToList(), project + ": packages.config and the references disagree");
        Assert.AreEqual(CoreLibraryVersion, listed["nanoFramework.CoreLibrary"]);
    }

    [TestMethod]
    public void The_stand_ins_are_of_packages_the_esp32_application_lists()
    {
        var root = RepositoryRoot();
        var listed = ListedPackages(Path.Combine(root, "DeviceFirmware", "Esp32", "packages.config"));
        var standIns = Directory.GetDirectories(Path.Combine(root, "NanoFrameworkCheck", "StandIns")).Select(Path.GetFileName).ToList();

        Assert.IsNotEmpty(standIns);
        foreach (var package in standIns)
        {
            // M2Mqtt.Core is an assembly of the M2Mqtt package, not a package of its own.
            var owner = package == "nanoFramework.M2Mqtt.Core" ? "nanoFramework.M2Mqtt" : package!;
            Assert.IsTrue(listed.ContainsKey(owner), "a stand-in for " + package + ", which packages.config does not list");
        }
    }

    private static Dictionary<string, string> ListedPackages(string packagesConfig) =>
        XDocument.Load(packagesConfig).Root!.Elements("package")
            .ToDictionary(p => (string)p.Attribute("id")!, p => (string)p.Attribute("version")!, StringComparer.Ordinal);

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory != null && !File.Exists(Path.Combine(directory.FullName, "Firmware.sln")))
        {
            directory = directory.Parent;
        }

        Assert.IsNotNull(directory, "Firmware.sln not found above " + AppContext.BaseDirectory);
        return directory.FullName;
    }

    [GeneratedRegex(@"^\.\.\\\.\.\\packages\\(?<id>[A-Za-z0-9.]+?)\.(?<version>\d+\.\d+\.\d+)\\lib\\[^\\]+$")]
    private static partial Regex HintPathPattern();
}
