using System.Diagnostics;
using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;

namespace DistNet.Bench;

/// <summary>Where the time of a run of steps went, in seconds.</summary>
internal readonly record struct StepTimes(int Steps, long Samples, double Seconds, double CpuSeconds,
    double Gather, double Gradient, double Rest)
{
    public double SamplesPerSecond => Samples / Seconds;
    public double SamplesPerCpuSecond => Samples / CpuSeconds;
}

/// <summary>
/// <see cref="Trainer.Train"/>'s epoch loop (one micro-shard per batch, its default), cut so
/// that it can be stopped after any number of steps and timed piece by piece. Each step makes
/// exactly the calls Trainer makes: <see cref="EpochPlan.Order"/> at the start of an epoch,
/// then <see cref="Batch.Gather"/>, <see cref="Backprop.Gradient"/>,
/// <see cref="Evaluation.CountCorrect"/>, <see cref="Penalty.AddGradient"/> and
/// <see cref="Optimizer.Step"/>; only the per-batch observer call and the per-epoch validation
/// are left out.
/// </summary>
internal sealed class TrainingLoop
{
    private readonly Mlp _model;
    private readonly Dataset _train;
    private readonly TrainerSettings _settings;
    private readonly Backprop _pass;
    private readonly Optimizer _optimizer;
    private readonly float[] _gradient;
    private readonly Batch _batch;
    private int[] _order = [];
    private readonly int _batchesPerEpoch;
    private int _epoch, _nextBatch;
    private double _epochLoss;
    private long _correct;

    public TrainingLoop(Mlp model, Dataset train, TrainerSettings settings)
    {
        Evaluation.CheckCompatible(model.Architecture, train);
        if (settings.MicroShards != 1) throw new ArgumentException("the benchmark loop mirrors Trainer with one micro-shard per batch", nameof(settings));
        _model = model;
        _train = train;
        _settings = settings;
        _pass = new Backprop(model.Architecture);
        _optimizer = Optimizer.Create(settings.Optimizer, model.Layout.Count);
        _gradient = new float[model.Layout.Count];
        _batch = new Batch(train);
        _batchesPerEpoch = EpochPlan.BatchesPerEpoch(train.Count, settings.BatchSize);
    }

    public StepTimes Run(int steps)
    {
        long samples = 0, gather = 0, gradient = 0, rest = 0;
        int outputs = _model.Architecture.OutputSize;
        double cpuBegin = CpuClock.ProcessSeconds();
        long begin = Stopwatch.GetTimestamp();
        for (int step = 0; step < steps; step++)
        {
            long t0 = Stopwatch.GetTimestamp();
            if (_nextBatch == 0)
            {
                _epoch++;
                _epochLoss = 0;
                _correct = 0;
                _order = EpochPlan.Order(_train.Count, _settings.Seed, _epoch, _settings.Shuffle);
            }
            var (start, size) = EpochPlan.Batch(_train.Count, _settings.BatchSize, _nextBatch);
            _batch.Gather(_order.AsSpan(start, size));
            long t1 = Stopwatch.GetTimestamp();
            _epochLoss += _pass.Gradient(_model.Parameters, _batch.Inputs, size, _batch.Labels, _batch.Targets,
                1f / size, _gradient);
            long t2 = Stopwatch.GetTimestamp();
            if (_train.IsClassification)
                _correct += Evaluation.CountCorrect(_model.Architecture.Loss, _pass.LastScores(size), outputs, _batch.Labels);
            _settings.Penalty.AddGradient(_model.Layout, _model.Parameters, _gradient);
            _optimizer.Step(_model.Parameters, _gradient);
            if (++_nextBatch == _batchesPerEpoch)
            {
                _nextBatch = 0;
                if (!double.IsFinite(_epochLoss))
                    throw new TrainingDivergedException($"training diverged in epoch {_epoch}: the loss is {_epochLoss}");
            }
            long t3 = Stopwatch.GetTimestamp();
            gather += t1 - t0;
            gradient += t2 - t1;
            rest += t3 - t2;
            samples += size;
        }
        double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
        double wall = Seconds(Stopwatch.GetTimestamp() - begin), cpu = CpuClock.ProcessSeconds() - cpuBegin;
        return new StepTimes(steps, samples, wall, cpu, Seconds(gather), Seconds(gradient), Seconds(rest));
    }

    /// <summary>FNV-1a over the parameters' bits: equal for two runs exactly when they agree bit for bit.</summary>
    public string ParameterHash()
    {
        ulong h = 14695981039346656037UL;
        foreach (float p in _model.Parameters) { h ^= BitConverter.SingleToUInt32Bits(p); h *= 1099511628211UL; }
        return h.ToString("x16");
    }

    public Mlp Model => _model;
}
