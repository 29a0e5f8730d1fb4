using DistNet.Training.Workers;

namespace DistNet.Training.Tests;

/// <summary>
/// Scripted misbehaviour for one worker. The instance outlives restarts of its worker (Props
/// keep it), so "once" really means once.
/// </summary>
public sealed class TestFaults : IWorkerFaults
{
    private int _tasks, _thrown, _corrupted;

    public TimeSpan Delay { get; init; }
    public int ThrowOnTask { get; init; } = -1;
    public int CorruptOnTask { get; init; } = -1;
    public int Tasks => _tasks;

    public void BeforeTask(int workerId, long taskId)
    {
        int n = Interlocked.Increment(ref _tasks);
        if (Delay > TimeSpan.Zero) Thread.Sleep(Delay);
        if (n == ThrowOnTask && Interlocked.Exchange(ref _thrown, 1) == 0)
            throw new InvalidOperationException($"injected crash of worker {workerId} at its task {n}");
    }

    public void AfterGradient(int workerId, long taskId, float[] gradient)
    {
        if (_tasks == CorruptOnTask && Interlocked.Exchange(ref _corrupted, 1) == 0) gradient[gradient.Length / 2] = float.NaN;
    }
}

/// <summary>Sleeps once, on the worker's <paramref name="task"/>-th task (counting from 1).</summary>
public sealed class SlowOnce(int task, TimeSpan delay) : IWorkerFaults
{
    private int _tasks;

    public void BeforeTask(int workerId, long taskId)
    {
        if (Interlocked.Increment(ref _tasks) == task) Thread.Sleep(delay);
    }
}
