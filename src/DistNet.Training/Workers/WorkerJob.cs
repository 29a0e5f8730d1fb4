using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Optim;

namespace DistNet.Training.Workers;

/// <summary>
/// What a worker needs to compute: the model's shape, its own copy of the training data (each
/// worker loads the data itself; only indices travel), and for local SGD the optimiser and penalty.
/// </summary>
public sealed record WorkerJob(Architecture Architecture, Dataset Train, Penalty Penalty, OptimizerSettings Optimizer);
