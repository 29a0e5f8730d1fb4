namespace DistNet.Training.Workers;

/// <summary>A run of training samples: one micro-shard of a step, or a whole async batch.</summary>
public sealed record ShardTask(int Shard, int[] Samples) : IDistNetMessage;

/// <summary>
/// Server → worker: compute the gradient of each shard at these parameters (version
/// <paramref name="Version"/>), each scaled by <paramref name="Scale"/> (1 / global batch size).
/// The worker must not change <paramref name="Parameters"/>: in process they are the server's own
/// (sync mode) or a copy made for this task (async), and the server changes its own only once the
/// step they belong to is complete, when any answer still to come is dropped.
/// </summary>
/// <paramref name="ShardCount"/> is the number of micro-shards in the step, the leaves of the
/// <see cref="DistNet.Core.Training.ShardTree"/> along which the worker adds up its shards' gradients;
/// 0 when the shards are unrelated batches (async modes), each answered on its own.
public sealed record ComputeGradients(long TaskId, long Version, float[] Parameters, ShardTask[] Shards, float Scale, int ShardCount) : IDistNetMessage
{
    /// <summary>
    /// The server's <see cref="System.Diagnostics.Stopwatch"/> timestamp when it sent the task: comparable
    /// only with timestamps of the same process, so the vector serializer does not carry it (0 after crossing).
    /// </summary>
    public long SentAt { get; init; }

    /// <summary>How the task travelled, set by the vector serializer that decoded it; null in process.</summary>
    public WireInfo? Wire { get; init; }

    /// <summary>
    /// Set by a cluster link that can rebuild the first layer's weight gradient from its factors
    /// (<see cref="FactoredFirstLayer"/>): the worker may then answer with those instead, when they are
    /// fewer numbers. Never set in process, where nothing is copied anyway.
    /// </summary>
    public bool FactorFirstLayer { get; init; }
}

/// <summary>
/// Server → worker (local SGD): starting from these parameters, take one optimiser step per
/// batch, in order, and send back the resulting parameters.
/// </summary>
public sealed record RunLocalSteps(long TaskId, long Round, float[] Parameters, int[][] Batches) : IDistNetMessage
{
    /// <inheritdoc cref="ComputeGradients.SentAt"/>
    public long SentAt { get; init; }

    /// <inheritdoc cref="ComputeGradients.Wire"/>
    public WireInfo? Wire { get; init; }
}

/// <summary>
/// The summed gradient of one aligned block of shards (<see cref="DistNet.Core.Training.ShardBlock"/>:
/// first shard <paramref name="Shard"/>, 2^<paramref name="Level"/> shards; level 0 is one shard), and
/// for metrics the summed loss and correct predictions.
/// </summary>
public sealed record ShardGradient(int Shard, int Level, float[] Gradient, double LossSum, int Correct, int Samples) : IDistNetMessage
{
    /// <summary>
    /// <see cref="DistNet.Core.Linear.Finite.LargestMagnitude"/> of <see cref="Gradient"/>, as the worker
    /// measured it while adding the block up; null when not measured (the vector serializer does not carry it).
    /// </summary>
    public float? LargestMagnitude { get; init; }

    /// <summary>
    /// When set, the first layer's weight gradient travels as these factors and the region
    /// [0, Length) of <see cref="Gradient"/> is not filled in; the ps's link rebuilds it before the
    /// server sees the answer.
    /// </summary>
    public FactoredFirstLayer? FirstLayer { get; init; }
}

/// <summary>
/// The first layer's weight gradient of a block of shards as its sufficient factors, one per shard
/// in shard order (<see cref="DistNet.Core.Training.FirstLayerGradient"/>).
/// </summary>
public sealed record FactoredFirstLayer(int Length, ShardFactors[] Shards) : IDistNetMessage;

/// <summary>One shard's factors: its samples, whose inputs the receiver holds, and δ₁, the first layer's units × samples.</summary>
public sealed record ShardFactors(int[] Samples, float[] Delta) : IDistNetMessage;

/// <summary>Worker → server: the answer to <see cref="ComputeGradients"/>.</summary>
public sealed record GradientsComputed(long TaskId, long Version, int WorkerId, ShardGradient[] Shards) : IDistNetMessage
{
    /// <summary>What the worker measured while computing the answer.</summary>
    public TaskTimings Timings { get; init; } = TaskTimings.None;

    /// <inheritdoc cref="ComputeGradients.Wire"/>
    public WireInfo? Wire { get; init; }
}

/// <summary>Worker → server: the answer to <see cref="RunLocalSteps"/>.</summary>
public sealed record LocalStepsDone(long TaskId, long Round, int WorkerId, float[] Parameters, double LossSum, int Correct, int Samples) : IDistNetMessage
{
    /// <inheritdoc cref="GradientsComputed.Timings"/>
    public TaskTimings Timings { get; init; } = TaskTimings.None;

    /// <inheritdoc cref="ComputeGradients.Wire"/>
    public WireInfo? Wire { get; init; }
}

/// <summary>
/// What a worker measured while doing one task, in nanoseconds on its own clock (durations only, so
/// they mean the same whichever process reads them). See docs/observability.md.
/// </summary>
/// <param name="WaitNs">From sending its previous answer to dequeuing this task: waiting for weights (0 for its first task).</param>
/// <param name="MailboxNs">In process: from the server sending the task to this worker dequeuing it; −1 when the task crossed processes (clocks differ).</param>
/// <param name="FaultNs">In the fault hook before the work (an injected delay).</param>
/// <param name="ComputeNs">Computing the gradients (or the local steps).</param>
/// <param name="BusyNs">From dequeuing the task to sending the answer: fault + compute + bookkeeping.</param>
/// <param name="TaskEncodeNs">Serializing the task, measured by the server's serializer and carried in the task's bytes; 0 in process.</param>
/// <param name="TaskDecodeNs">Deserializing the task on this worker; 0 in process.</param>
/// <param name="TaskBytes">The task's size as received: exact serialized bytes across processes, 4 × floats in process.</param>
public sealed record TaskTimings(long WaitNs, long MailboxNs, long FaultNs, long ComputeNs, long BusyNs,
    long TaskEncodeNs, long TaskDecodeNs, long TaskBytes) : IDistNetMessage
{
    public static readonly TaskTimings None = new(0, -1, 0, 0, 0, 0, 0, 0);

    /// <summary>The worker's Stopwatch timestamp when it sent the answer: in process only, like <see cref="ComputeGradients.SentAt"/>.</summary>
    public long RepliedAt { get; init; }
}

/// <summary>
/// How a vector message crossed processes, filled in by the serializer that decoded it: its exact size,
/// the sender's encoding time (carried in the bytes) and the receiver's decoding time, in nanoseconds.
/// </summary>
public sealed record WireInfo(int Bytes, long EncodeNs, long DecodeNs) : IDistNetMessage;
