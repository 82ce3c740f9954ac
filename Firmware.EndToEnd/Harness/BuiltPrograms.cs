namespace Firmware.EndToEnd.Harness;

/// <summary>
/// Where the programs under test were built: each project's own output folder, in the configuration
/// the rig itself was built in (so `dotnet test -c Release` runs the Release firmware).
/// </summary>
public static class BuiltPrograms
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Release or Debug: the folder name above this assembly's target-framework folder.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The dotnet host that runs the test or the soak (the SDK sets DOTNET_HOST_PATH under dotnet test and dotnet run).</summary>
    public static string DotnetHost { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static string Dll(string project)
    {
        var path = Path.Combine(RepositoryRoot, project, "bin", Configuration, "net10.0", project + ".dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("The " + project + " program was not built at " + path + "; build the solution first (dotnet build Firmware.sln -c " + Configuration + ").", path);
        }

        return path;
    }

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Firmware.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("Firmware.sln was not found above " + AppContext.BaseDirectory + ".");
    }
}
