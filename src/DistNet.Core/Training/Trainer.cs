using System.Diagnostics;
using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Optim;

namespace DistNet.Core.Training;

public sealed record TrainingResult(Mlp Model, IReadOnlyList<EpochReport> History, int BestEpoch, bool StoppedEarly);

/// <summary>
/// Mini-batch training on one thread, without actors: per epoch a seeded order, per batch the
/// gradient of the mean loss summed from its micro-shards along the
/// <see cref="ShardTree"/>, plus the penalty's
/// gradient, and one optimiser step. Deterministic: the same seed, data and settings give the
/// same parameters bit for bit (on the same BLAS), and the same as the actor trainer's sync mode.
/// </summary>
public static class Trainer
{
    public static TrainingResult Train(Mlp model, Dataset train, Dataset validation, TrainerSettings settings,
        ITrainingObserver? observer = null)
    {
        if (settings.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(settings), "batch size must be positive");
        if (settings.Epochs < 0) throw new ArgumentOutOfRangeException(nameof(settings), "epochs cannot be negative");
        if (train.Count == 0) throw new DataException($"{train.Name}: the training split is empty");
        Evaluation.CheckCompatible(model.Architecture, train);

        var pass = new Backprop(model.Architecture);
        var optimizer = Optimizer.Create(settings.Optimizer, model.Layout.Count);
        if (settings.MicroShards <= 0) throw new ArgumentOutOfRangeException(nameof(settings), "micro-shards must be positive");
        var gradient = new float[model.Layout.Count];
        var shardSum = new ShardTreeSum(model.Layout.Count);
        var batch = new Batch(train);
        int batchesPerEpoch = EpochPlan.BatchesPerEpoch(train.Count, settings.BatchSize);
        int outputs = model.Architecture.OutputSize;
        var history = new List<EpochReport>();
        var clock = Stopwatch.StartNew();
        double bestValidation = double.PositiveInfinity;
        float[]? best = null;
        int bestEpoch = 0;

        for (int epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            var order = EpochPlan.Order(train.Count, settings.Seed, epoch, settings.Shuffle);
            double epochLoss = 0;
            long correct = 0;
            var epochClock = Stopwatch.StartNew();
            for (int b = 0; b < batchesPerEpoch; b++)
            {
                var (start, size) = EpochPlan.Batch(train.Count, settings.BatchSize, b);
                int shards = Math.Min(settings.MicroShards, size);
                var score = shardSum.Compute(ShardTree.Root(shards), shards, gradient, (m, target) =>
                {
                    var (offset, count) = EpochPlan.MicroShard(size, shards, m);
                    batch.Gather(order.AsSpan(start + offset, count));
                    double loss = pass.Gradient(model.Parameters, batch.Inputs, count, batch.Labels, batch.Targets, 1f / size, target);
                    int right = train.IsClassification ? Evaluation.CountCorrect(model.Architecture.Loss, pass.LastScores(count), outputs, batch.Labels) : 0;
                    return new ShardScore(loss, right, count);
                });
                epochLoss += score.LossSum;
                correct += score.Correct;
                settings.Penalty.AddGradient(model.Layout, model.Parameters, gradient);
                optimizer.Step(model.Parameters, gradient);
                observer?.OnBatch(epoch, b + 1, batchesPerEpoch, epochLoss / (start + size));
            }
            double seconds = epochClock.Elapsed.TotalSeconds;
            if (!double.IsFinite(epochLoss))
                throw new TrainingDivergedException($"training diverged in epoch {epoch}: the loss is {epochLoss}; try a smaller --lr");

            var validationResult = validation.Count > 0 ? Evaluation.Of(model, validation, Penalty.None) : null;
            var report = new EpochReport(epoch, epochLoss / train.Count,
                settings.Penalty.Value(model.Layout, model.Parameters),
                train.IsClassification ? (double)correct / train.Count : null,
                validationResult?.Loss, validationResult?.Accuracy,
                train.Count / Math.Max(seconds, 1e-9), clock.Elapsed.TotalSeconds);
            history.Add(report);
            observer?.OnEpoch(report);

            if (settings.Patience > 0 && validationResult is not null)
            {
                if (validationResult.Loss < bestValidation)
                {
                    bestValidation = validationResult.Loss;
                    best = (float[])model.Parameters.Clone();
                    bestEpoch = epoch;
                }
                else if (best is not null && epoch - bestEpoch >= settings.Patience)
                {
                    best!.CopyTo(model.Parameters, 0);
                    return new TrainingResult(model, history, bestEpoch, StoppedEarly: true);
                }
            }
        }
        if (best is not null && bestEpoch != settings.Epochs) best.CopyTo(model.Parameters, 0);
        return new TrainingResult(model, history, best is null ? settings.Epochs : bestEpoch, StoppedEarly: false);
    }
}

public sealed class TrainingDivergedException(string message) : Exception(message);
