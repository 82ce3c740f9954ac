using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Firmware.EndToEnd.Harness;

/// <summary>
/// A program under test as a real OS process: its output kept line by line (and copied to a log
/// file), waits on what it prints, and real signals — SIGKILL for a crash, SIGINT/SIGTERM for a stop.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly StreamWriter? _log;
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;

    private ChildProcess(string name, Process process, string? logPath)
    {
        Name = name;
        _process = process;
        if (logPath is not null)
        {
            _log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, string workingDirectory, string? logPath = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The child is a program of its own, not part of the test host.
        info.Environment.Remove("VSTEST_HOST_DEBUG");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var pair in environment ?? new Dictionary<string, string>())
        {
            info.Environment[pair.Key] = pair.Value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process, logPath);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        child._log?.WriteLine("---- " + name + " started (pid " + process.Id + "): " + fileName + " " + string.Join(' ', info.ArgumentList));
        return child;
    }

    public int LineCount
    {
        get
        {
            lock (_lines)
            {
                return _lines.Count;
            }
        }
    }

    /// <summary>A copy of the lines printed so far, from <paramref name="from"/> on.</summary>
    public IReadOnlyList<string> Lines(int from = 0)
    {
        lock (_lines)
        {
            return _lines.GetRange(Math.Min(from, _lines.Count), _lines.Count - Math.Min(from, _lines.Count));
        }
    }

    /// <summary>The first line (printed at or after <paramref name="from"/>) that matches; fails after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what, int from = 0)
    {
        ArgumentNullException.ThrowIfNull(match);
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            for (var i = from; i < _lines.Count; i++)
            {
                if (match(_lines[i]))
                {
                    return _lines[i];
                }
            }

            _waiters.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(Name + " did not print " + what + " within " + timeout.TotalSeconds + " s" + (HasExited ? " (it exited with " + ExitCode + ")" : "") + ". Its last lines:\n" + Tail(15));
        }
        finally
        {
            lock (_lines)
            {
                _waiters.RemoveAll(w => ReferenceEquals(w.Found, found));
            }
        }
    }

    public string Tail(int count)
    {
        var lines = Lines();
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Count - count)));
    }

    /// <summary>kill -9: no shutdown code runs, the OS closes the sockets.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _log?.WriteLine("---- " + Name + ": SIGKILL");
            _process.Kill(entireProcessTree: true);
        }
    }

    public void Signal(int signal)
    {
        _log?.WriteLine("---- " + Name + ": signal " + signal);
        if (SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException("kill(" + _process.Id + ", " + signal + ") failed: errno " + Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>
    /// Whether the process ignores <paramref name="signal"/> (Linux: its bit in SigIgn of
    /// /proc/PID/status). A program started in the background by a non-interactive shell inherits
    /// an ignored SIGINT, and .NET keeps it so; elsewhere assumed not ignored.
    /// </summary>
    public bool Ignores(int signal)
    {
        var status = "/proc/" + _process.Id.ToString(CultureInfo.InvariantCulture) + "/status";
        if (!File.Exists(status))
        {
            return false;
        }

        foreach (var line in File.ReadLines(status))
        {
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
            {
                return (ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (signal - 1))) != 0;
            }
        }

        return false;
    }

    /// <summary>Waits for the exit and for the last of its output.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
            await _outputClosed.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException(Name + " did not exit within " + timeout.TotalSeconds + " s. Its last lines:\n" + Tail(15));
        }
        catch (TimeoutException)
        {
            // The exit is what counts; a grandchild holding the pipe open must not fail the wait.
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
        }

        _process.Dispose();
        if (_log is not null)
        {
            await _log.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            if (Interlocked.Decrement(ref _openStreams) == 0)
            {
                _outputClosed.TrySetResult();
            }

            return;
        }

        _log?.WriteLine(line);
        List<TaskCompletionSource<string>>? matched = null;
        lock (_lines)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    (matched ??= []).Add(_waiters[i].Found);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var found in matched ?? [])
        {
            found.TrySetResult(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
