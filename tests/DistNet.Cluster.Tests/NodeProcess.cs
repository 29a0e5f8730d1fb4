using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DistNet.Cluster.Tests;

/// <summary>
/// A `distnet` command running as a separate OS process, its output collected line by line so
/// a test can wait for what it prints. Disposing kills it (and its children) if still running.
/// </summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _newLine = new(0);
    private long _lastLineTicks = DateTime.UtcNow.Ticks;

    /// <summary>No run in these tests should take longer than this, however steadily it progresses.</summary>
    private static readonly TimeSpan Cap = TimeSpan.FromMinutes(10);

    public NodeProcess(string name, params string[] args)
    {
        Name = name;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "distnet.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }
    public string Output => string.Join("\n", _lines);
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    private void Add(string? line)
    {
        if (line is null) return;
        _lines.Enqueue(line);
        Interlocked.Exchange(ref _lastLineTicks, DateTime.UtcNow.Ticks);
        _newLine.Release();
    }

    /// <summary>Waits until a line containing <paramref name="text"/> has been printed.</summary>
    public string WaitFor(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var hit = _lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (hit is not null) return hit;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || (_process.HasExited && !_newLine.Wait(200)))
                throw new TimeoutException($"{Name} did not print '{text}' within {timeout} (exited: {_process.HasExited}). Output:\n{Output}");
            _newLine.Wait(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>
    /// Waits for the process to end, as long as it makes progress: it fails when nothing has been
    /// printed for <paramref name="quiet"/> since the wait began (a hung node), not when a loaded machine makes a long
    /// training run slow (a ps prints every epoch).
    /// </summary>
    public int WaitForExit(TimeSpan quiet)
    {
        var started = DateTime.UtcNow;
        while (!_process.WaitForExit(TimeSpan.FromSeconds(1)))
        {
            var lastLine = new DateTime(Interlocked.Read(ref _lastLineTicks), DateTimeKind.Utc);
            var silent = DateTime.UtcNow - (lastLine > started ? lastLine : started);
            if (silent > quiet || DateTime.UtcNow - started > Cap)
                throw new TimeoutException($"{Name} still running, silent for {silent.TotalSeconds:F0} s (waited {(DateTime.UtcNow - started).TotalSeconds:F0} s). Output:\n{Output}");
        }
        _process.WaitForExit(); // flush the output readers
        return _process.ExitCode;
    }

    /// <summary>kill -9: no shutdown, no goodbye to the cluster.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.Dispose();
    }

    /// <summary>A port nobody listens on right now (the OS picks it).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
