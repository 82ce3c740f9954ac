using System.Diagnostics;

namespace LocalIotCore.Tests.Support;

/// <summary>
/// AWS's own clients run against LocalIotCore: Debian's python3 with boto3 and the AWS CLI (what
/// .ci/run installs), with throw-away credentials, since the SDKs always sign their requests.
/// </summary>
internal static class AwsClients
{
    /// <summary>Debian's AWS CLI; the <c>aws</c> earlier on PATH may be another installation's shim.</summary>
    public const string AwsCliPath = "/usr/bin/aws";

    public static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>Skips the test when the client is not installed, but fails it in CI, where it must be.</summary>
    public static void RequireOrSkip(bool installed, string what)
    {
        if (installed)
        {
            return;
        }

        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Assert.Fail(what + " is missing; .ci/run installs it");
        }

        Assert.Inconclusive(what + " is not installed");
    }

    public static async Task<bool> HasBoto3Async()
    {
        try
        {
            return (await RunAsync(Python, ["-c", "import boto3"])).Exit == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>Runs a client to its end (a minute at most) and returns its exit code and output.</summary>
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in new[] { ("AWS_ACCESS_KEY_ID", "x"), ("AWS_SECRET_ACCESS_KEY", "x"), ("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_EC2_METADATA_DISABLED", "true"), ("AWS_PAGER", "") })
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
