using System.Diagnostics;

namespace LocalIotCore.Tests.Support;

/// <summary>
/// AWS's own clients as a user runs them against LocalIotCore: Debian's python3 with python3-boto3 and
/// Debian's AWS CLI v2 (what .ci/run installs), not another python3 or aws earlier on PATH, with
/// throw-away credentials (the SDKs always sign; LocalIotCore's IoT APIs accept any key).
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

    public static async Task RequireBoto3Async() => RequireOrSkip(await HasBoto3Async(), "python3-boto3");

    public static void RequireAwsCli() => RequireOrSkip(File.Exists(AwsCliPath), "awscli");

    public static async Task<bool> HasBoto3Async()
    {
        try
        {
            return (await RunAsync(Python, ["-c", "import boto3"])).Exit == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no python3 at all
        }
    }

    public static Task<(int Exit, string Output, string Error)> RunPythonAsync(string script, params string[] arguments) =>
        RunAsync(Python, ["-c", script, .. arguments]);

    /// <summary>Runs <c>aws ARGS</c> with JSON output and no pager.</summary>
    public static Task<(int Exit, string Output, string Error)> RunAwsCliAsync(params string[] arguments) =>
        RunAsync(AwsCliPath, [.. arguments, "--output", "json", "--no-cli-pager"]);

    /// <summary>
    /// Runs a client to its end (a minute at most) and returns its exit code and output;
    /// <paramref name="environment"/> adds to (or overrides) the placeholder keys and region.
    /// </summary>
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in new[]
        {
            ("AWS_ACCESS_KEY_ID", "x"), ("AWS_SECRET_ACCESS_KEY", "x"), ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"), ("AWS_PAGER", ""), ("AWS_CONFIG_FILE", "/dev/null"), ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        })
        {
            start.Environment[name] = value;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
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
