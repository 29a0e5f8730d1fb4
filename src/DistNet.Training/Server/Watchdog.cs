using DistNet.Training.Telemetry;

namespace DistNet.Training.Server;

/// <summary>
/// A timer with a thread of its own that fires once by the earliest deadline it was given, then
/// waits for the next: the parameter server's task timeouts. A <see cref="Timer"/> runs its
/// callback on the thread pool, so a pool that is blocked or short of threads delays a timeout for
/// as long as it stays so (a test that blocked the pool saw a worker stall 800 ms with a 100 ms
/// timeout and nothing time out); Akka's scheduler, the other choice, wakes the pool every 10 ms
/// while anything is pending (docs/benchmarks.md, "After the watchdog timer"). This thread sleeps
/// until the deadline.
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private const long Disarmed = long.MaxValue;
    private const double MaxWaitMs = 24 * 3600 * 1000;
    private readonly Action _fire;
    private readonly object _gate = new();
    private long _due = Disarmed; // a Clock timestamp
    private bool _disposed;

    /// <param name="fire">Called on the watchdog's thread at the deadline: it should only hand over (an actor's Tell).</param>
    public Watchdog(Action fire, string name)
    {
        _fire = fire;
        new Thread(Run) { IsBackground = true, Name = name }.Start();
    }

    /// <summary>Fires at <paramref name="deadline"/> (a <see cref="Clock"/> timestamp) or earlier, if it is due to fire earlier anyway.</summary>
    public void FireBy(long deadline)
    {
        lock (_gate)
        {
            if (deadline >= _due) return;
            _due = deadline;
            Monitor.Pulse(_gate);
        }
    }

    private void Run()
    {
        lock (_gate)
        {
            while (!_disposed)
            {
                if (_due == Disarmed)
                {
                    Monitor.Wait(_gate);
                    continue;
                }
                long ns = Clock.Ns(Clock.Now, _due);
                if (ns > 0)
                {
                    // Rounded up: woken a little early, it would only wait again. At most a day at a
                    // time: Monitor.Wait takes no more than int.MaxValue ms, and a timeout may be longer.
                    Monitor.Wait(_gate, TimeSpan.FromMilliseconds(Math.Min(Math.Ceiling(ns / 1e6), MaxWaitMs)));
                    continue;
                }
                _due = Disarmed;
                _fire();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Monitor.Pulse(_gate);
        }
    }
}
