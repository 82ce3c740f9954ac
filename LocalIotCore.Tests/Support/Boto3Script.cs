using System.Diagnostics;

namespace LocalIotCore.Tests.Support;

/// <summary>Runs a Python script with Debian's python3 and its python3-boto3 (what .ci/run installs) against LocalIotCore.</summary>
internal static class Boto3Script
{
    /// <summary>Fails in CI when boto3 is missing (.ci/run installs it); elsewhere the test is inconclusive.</summary>
    public static async Task RequireAsync()
    {
        if (await HasBoto3Async())
        {
            return;
        }

        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Assert.Fail("python3-boto3 is missing; .ci/run installs it");
        }

        Assert.Inconclusive("python3 with boto3 is not installed");
    }

    public static async Task<(int Exit, string Output, string Error)> RunAsync(string script, params string[] arguments)
    {
        // Debian's python3 with its python3-boto3, not another python3 earlier on PATH.
        var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = "x";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "x";
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private static async Task<bool> HasBoto3Async()
    {
        try
        {
            return (await RunAsync("import boto3")).Exit == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no python3 at all
        }
    }
}
