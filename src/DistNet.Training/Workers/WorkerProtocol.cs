namespace DistNet.Training.Workers;

/// <summary>A run of training samples: one micro-shard of a step, or a whole async batch.</summary>
public sealed record ShardTask(int Shard, int[] Samples) : IDistNetMessage;

/// <summary>
/// Server → worker: compute the gradient of each shard at these parameters (version
/// <paramref name="Version"/>), each scaled by <paramref name="Scale"/> (1 / global batch size).
/// <paramref name="Parameters"/> must not be changed by anyone once sent.
/// </summary>
public sealed record ComputeGradients(long TaskId, long Version, float[] Parameters, ShardTask[] Shards, float Scale) : IDistNetMessage;

/// <summary>
/// Server → worker (local SGD): starting from these parameters, take one optimiser step per
/// batch, in order, and send back the resulting parameters.
/// </summary>
public sealed record RunLocalSteps(long TaskId, long Round, float[] Parameters, int[][] Batches) : IDistNetMessage;

/// <summary>One shard's result: its gradient, and for metrics the summed loss and correct predictions.</summary>
public sealed record ShardGradient(int Shard, float[] Gradient, double LossSum, int Correct, int Samples) : IDistNetMessage;

/// <summary>Worker → server: the answer to <see cref="ComputeGradients"/>.</summary>
public sealed record GradientsComputed(long TaskId, long Version, int WorkerId, ShardGradient[] Shards) : IDistNetMessage;

/// <summary>Worker → server: the answer to <see cref="RunLocalSteps"/>.</summary>
public sealed record LocalStepsDone(long TaskId, long Round, int WorkerId, float[] Parameters, double LossSum, int Correct, int Samples) : IDistNetMessage;
