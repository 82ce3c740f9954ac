using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LocalIotCore.Tests.Support;

/// <summary>Every line LocalIotCore logs, for tests that wait for one or count them.</summary>
internal sealed class CapturedLog : ILoggerFactory
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>The first line (logged before or after this call) that matches.</summary>
    public Task<string> WaitForAsync(Func<string, bool> match, TimeSpan? within = null)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            foreach (var line in _lines)
            {
                if (match(line))
                {
                    return Task.FromResult(line);
                }
            }

            _waiters.Add((match, seen));
        }

        return seen.Task.WaitAsync(within ?? TestClient.Patience);
    }

    public int Count(Func<string, bool> match)
    {
        var count = 0;
        foreach (var line in _lines)
        {
            if (match(line))
            {
                count++;
            }
        }

        return count;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        lock (_waiters)
        {
            _lines.Enqueue(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Seen.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private sealed class Logger(CapturedLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Add(logLevel + ": " + formatter(state, exception));
    }
}
