using System.Diagnostics;

namespace LocalIotCore.Tests.Support;

/// <summary>
/// AWS's own clients as a user runs them against LocalIotCore: Debian's python3 with python3-boto3 and
/// Debian's AWS CLI v2 (what .ci/run installs), not another python3 or aws earlier on PATH. Any
/// credentials do: LocalIotCore accepts SigV4 whatever the key.
/// </summary>
internal static class AwsClients
{
    private const string DebianPython = "/usr/bin/python3";
    private const string DebianAwsCli = "/usr/bin/aws";

    /// <summary>Fails in CI (which installs the clients) and is inconclusive elsewhere when boto3 is missing.</summary>
    public static async Task RequireBoto3Async()
    {
        bool present;
        try
        {
            present = (await RunPythonAsync("import boto3")).Exit == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            present = false; // no python3 at all
        }

        Require(present, "python3-boto3");
    }

    public static void RequireAwsCli() => Require(File.Exists(DebianAwsCli), "awscli");

    public static Task<(int Exit, string Output, string Error)> RunPythonAsync(string script, params string[] arguments) =>
        RunAsync(File.Exists(DebianPython) ? DebianPython : "python3", ["-c", script, .. arguments]);

    /// <summary>Runs <c>aws ARGS</c> with JSON output and no pager.</summary>
    public static Task<(int Exit, string Output, string Error)> RunAwsCliAsync(params string[] arguments) =>
        RunAsync(DebianAwsCli, [.. arguments, "--output", "json", "--no-cli-pager"]);

    private static void Require(bool present, string package)
    {
        if (present)
        {
            return;
        }

        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Assert.Fail(package + " is missing; .ci/run installs it");
        }

        Assert.Inconclusive(package + " is not installed");
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = "x";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "x";
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
