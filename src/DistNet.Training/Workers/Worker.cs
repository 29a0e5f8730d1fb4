using Akka.Actor;
using Akka.Event;
using DistNet.Core.Linear;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;
using DistNet.Training.Server;
using DistNet.Training.Telemetry;

namespace DistNet.Training.Workers;

/// <summary>
/// Computes gradients of the shards it is given at the parameters it is given, and answers
/// with them. It keeps no model of its own between tasks: everything it needs arrives in the
/// task, so a restarted worker simply registers again and takes new work.
/// </summary>
public sealed class Worker : ReceiveActor
{
    private readonly int _id;
    private readonly IActorRef _server;
    private readonly WorkerJob _job;
    private readonly IWorkerFaults _faults;
    private readonly Backprop _backprop;
    private readonly Batch _batch;
    private readonly ShardTreeSum _treeSum, _treeSumAfterFirstLayer;
    private readonly int _firstLayerLength;

    // When it sent its previous answer (Stopwatch timestamp; 0 before the first): the start of its wait for weights.
    private long _lastReply;

    public Worker(int id, IActorRef server, WorkerJob job, IWorkerFaults faults)
    {
        (_id, _server, _job, _faults) = (id, server, job, faults);
        _backprop = new Backprop(job.Architecture);
        _batch = new Batch(job.Train);
        var layout = new ParameterLayout(job.Architecture);
        _treeSum = new ShardTreeSum(layout.Count);
        _firstLayerLength = layout.WeightRange(0).Length;
        _treeSumAfterFirstLayer = new ShardTreeSum(_firstLayerLength, layout.Count);
        Receive<ComputeGradients>(Compute);
        Receive<RunLocalSteps>(RunLocal);
    }

    public static Props Props(int id, IActorRef server, WorkerJob job, IWorkerFaults? faults = null) =>
        Akka.Actor.Props.Create(() => new Worker(id, server, job, faults ?? NoFaults.Instance));

    protected override void PreStart() => _server.Tell(new RegisterWorker(_id));

    protected override void PreRestart(Exception reason, object message)
    {
        Context.GetLogger().Warning("worker {0} failed and restarts: {1}", _id, reason.Message);
        base.PreRestart(reason, message);
    }

    private void Compute(ComputeGradients task)
    {
        long received = Clock.Now;
        _faults.BeforeTask(_id, task.TaskId, task.Version + 1);
        long started = _faults is NoFaults ? received : Clock.Now;
        var results = task.ShardCount == 0 ? Unrelated(task) : Blocks(task);
        // Weights that crossed the wire were decoded for this worker alone; in process they are the server's snapshot.
        if (task.Wire is not null) VectorPool.Return(task.Parameters);
        long done = Clock.Now;
        Sender.Tell(new GradientsComputed(task.TaskId, task.Version, _id, results)
        {
            Timings = Timings(received, started, done, task.SentAt, task.Wire, task.Parameters.Length),
        });
        _lastReply = done;
    }

    /// <summary>
    /// The task's shards as the largest aligned blocks of the step's shard tree, each added up here:
    /// one vector per block goes back, and the sum's bits do not depend on how shards were dealt out.
    /// </summary>
    private ShardGradient[] Blocks(ComputeGradients task)
    {
        var shards = task.Shards.OrderBy(s => s.Shard).ToArray();
        var indices = shards.Select(s => s.Shard).ToArray();
        var blocks = ShardTree.Blocks(indices, task.ShardCount);
        var results = new ShardGradient[blocks.Count];
        // Factors for all blocks or none: one answer is one kind of frame.
        bool factor = blocks.All(block => Factors(task,
            shards.Where(s => s.Shard >= block.First && s.Shard < block.End(task.ShardCount)).Sum(s => s.Samples.Length)));
        for (int b = 0; b < blocks.Count; b++)
        {
            // The server keeps the vector it receives and recycles it.
            var gradient = VectorPool.Rent(task.Parameters.Length);
            var factors = factor ? new List<ShardFactors>() : null;
            var score = (factor ? _treeSumAfterFirstLayer : _treeSum).Compute(blocks[b], task.ShardCount, gradient, (shard, into) =>
            {
                var samples = shards[Array.IndexOf(indices, shard)].Samples;
                float[]? delta = null;
                if (factors is not null) factors.Add(new ShardFactors(samples, delta = RentFirstLayerDelta(samples.Length)));
                return Leaf(task, samples, into, delta);
            }, out float magnitude);
            results[b] = new ShardGradient(blocks[b].First, blocks[b].Level, gradient, score.LossSum, score.Correct, score.Samples)
            {
                // Measured over what the worker filled in: the whole vector, or all but the factored region (measured by the ps).
                LargestMagnitude = factors is null ? magnitude : null,
                FirstLayer = factors is null ? null : new FactoredFirstLayer(_firstLayerLength, factors.ToArray()),
            };
        }
        return results;
    }

    /// <summary>Async batches: each its own gradient.</summary>
    private ShardGradient[] Unrelated(ComputeGradients task)
    {
        bool factor = task.Shards.All(shard => Factors(task, shard.Samples.Length)); // one answer, one kind of frame
        return task.Shards.Select(shard => Unrelated(task, shard, factor)).ToArray();
    }

    private ShardGradient Unrelated(ComputeGradients task, ShardTask shard, bool factor)
    {
        var gradient = VectorPool.Rent(task.Parameters.Length);
        var delta = factor ? RentFirstLayerDelta(shard.Samples.Length) : null;
        var score = Leaf(task, shard.Samples, gradient, delta);
        return new ShardGradient(shard.Shard, 0, gradient, score.LossSum, score.Correct, score.Samples)
        {
            FirstLayer = delta is null ? null : new FactoredFirstLayer(_firstLayerLength, [new ShardFactors(shard.Samples, delta)]),
        };
    }

    /// <summary>A buffer for δ₁ of this many samples; the link that sends it gives it back to the pool.</summary>
    private float[] RentFirstLayerDelta(int samples) => VectorPool.Rent(_job.Architecture.Layers[0].Units * samples);

    /// <summary>
    /// Whether to answer with first-layer factors: when the link asked for them, they are smaller for
    /// this many samples, and no fault is injected here (faults act on whole gradients).
    /// </summary>
    private bool Factors(ComputeGradients task, int samples) =>
        task.FactorFirstLayer && _faults is NoFaults && FirstLayerGradient.Pays(_job.Architecture, samples);

    /// <summary>
    /// One shard's gradient, written over every element of <paramref name="gradient"/>; with
    /// <paramref name="firstLayerDelta"/>, over every element but the first layer's weights, whose factor δ₁ goes there.
    /// </summary>
    private ShardScore Leaf(ComputeGradients task, int[] samples, float[] gradient, float[]? firstLayerDelta = null)
    {
        _batch.Gather(samples);
        double loss = firstLayerDelta is null
            ? _backprop.Gradient(task.Parameters, _batch.Inputs, samples.Length, _batch.Labels, _batch.Targets, task.Scale, gradient)
            : _backprop.GradientWithoutFirstLayerWeights(task.Parameters, _batch.Inputs, samples.Length, _batch.Labels, _batch.Targets,
                task.Scale, gradient, firstLayerDelta);
        int correct = _job.Train.IsClassification
            ? Evaluation.CountCorrect(_job.Architecture.Loss, _backprop.LastScores(samples.Length), _job.Architecture.OutputSize, _batch.Labels)
            : 0;
        _faults.AfterGradient(_id, task.TaskId, task.Version + 1, gradient);
        return new ShardScore(loss, correct, samples.Length);
    }

    /// <summary>What this task cost, measured here: only durations, plus in process the reply's timestamp.</summary>
    private TaskTimings Timings(long received, long started, long done, long sentAt, WireInfo? wire, int floats) =>
        new(WaitNs: _lastReply == 0 ? 0 : Clock.Ns(_lastReply, received),
            MailboxNs: wire is null && sentAt != 0 ? Clock.Ns(sentAt, received) : -1,
            FaultNs: Clock.Ns(received, started),
            ComputeNs: Clock.Ns(started, done),
            BusyNs: Clock.Ns(received, done),
            TaskEncodeNs: wire?.EncodeNs ?? 0,
            TaskDecodeNs: wire?.DecodeNs ?? 0,
            TaskBytes: wire?.Bytes ?? 4L * floats)
        { RepliedAt = done };

    private void RunLocal(RunLocalSteps task)
    {
        long received = Clock.Now;
        _faults.BeforeTask(_id, task.TaskId, task.Round + 1);
        long started = _faults is NoFaults ? received : Clock.Now;
        var parameters = (float[])task.Parameters.Clone();
        var layout = new ParameterLayout(_job.Architecture);
        // A fresh optimiser per round: its state would otherwise depend on which rounds this
        // worker happened to get, and the result on the number of workers in a different way.
        var optimizer = Optimizer.Create(_job.Optimizer, parameters.Length);
        var gradient = new float[parameters.Length];
        double loss = 0;
        int correct = 0, samples = 0;
        foreach (var indices in task.Batches)
        {
            _batch.Gather(indices);
            loss += _backprop.Gradient(parameters, _batch.Inputs, indices.Length, _batch.Labels, _batch.Targets,
                1f / indices.Length, gradient);
            if (_job.Train.IsClassification)
                correct += Evaluation.CountCorrect(_job.Architecture.Loss, _backprop.LastScores(indices.Length),
                    _job.Architecture.OutputSize, _batch.Labels);
            samples += indices.Length;
            _job.Penalty.AddGradient(layout, parameters, gradient);
            optimizer.Step(parameters, gradient);
        }
        long done = Clock.Now;
        Sender.Tell(new LocalStepsDone(task.TaskId, task.Round, _id, parameters, loss, correct, samples)
        {
            Timings = Timings(received, started, done, task.SentAt, task.Wire, task.Parameters.Length),
        });
        _lastReply = done;
    }
}
