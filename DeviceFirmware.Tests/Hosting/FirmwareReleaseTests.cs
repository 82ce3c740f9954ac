using System.Reflection;
using DeviceFirmware.Core;
using DeviceFirmware.Hosting;

namespace DeviceFirmware.Tests.Hosting;

[TestClass]
public sealed class FirmwareReleaseTests
{
    [TestMethod]
    public void The_Pi_project_version_is_the_core_release_both_hosts_report()
    {
        var informational = typeof(FirmwareHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        Assert.AreEqual(FirmwareRelease.Version, informational.Split('+')[0], "DeviceFirmware.csproj <Version> and FirmwareRelease.Version disagree");
        Assert.AreEqual(FirmwareRelease.Version, FirmwareHost.FirmwareVersion);
    }
}
