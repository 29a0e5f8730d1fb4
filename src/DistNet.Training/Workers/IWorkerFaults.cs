namespace DistNet.Training.Workers;

/// <summary>
/// A hook a worker calls before each task, through which experiments and tests slow a worker
/// down or make it fail. The default does nothing.
/// </summary>
public interface IWorkerFaults
{
    /// <summary>May sleep (a straggler) or throw (a crashing worker).</summary>
    void BeforeTask(int workerId, long taskId);

    /// <summary>May damage a computed gradient (corruption experiments).</summary>
    void AfterGradient(int workerId, long taskId, float[] gradient) { }

    /// <summary>What the worker calls: <see cref="BeforeTask"/> with the step the task belongs to (1-based), for plans scheduled by step.</summary>
    void BeforeTask(int workerId, long taskId, long step) => BeforeTask(workerId, taskId);

    /// <summary>What the worker calls after each micro-shard's gradient: <see cref="AfterGradient(int, long, float[])"/> with the step.</summary>
    void AfterGradient(int workerId, long taskId, long step, float[] gradient) => AfterGradient(workerId, taskId, gradient);
}

public sealed class NoFaults : IWorkerFaults
{
    public static readonly NoFaults Instance = new();

    public void BeforeTask(int workerId, long taskId) { }
}
