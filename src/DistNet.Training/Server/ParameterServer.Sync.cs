using Akka.Actor;
using DistNet.Core.Linear;
using System.Numerics.Tensors;
using DistNet.Core.Training;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Training.Server;

/// <summary>
/// Bulk-synchronous steps. A global batch is cut into micro-shards; live workers get
/// contiguous runs of them and answer with the sums of the aligned blocks inside their runs; the
/// step completes when every micro-shard is in, added along the fixed <see cref="ShardTree"/>, so
/// the result does not depend on who computed what.
/// With backup workers the step instead goes on after the first N − b shards (one per worker),
/// trading that determinism for not waiting on stragglers.
/// </summary>
public sealed partial class ParameterServer
{
    private ShardTask[] _stepShards = [];
    private ShardTreeReducer _reducer = new(1);
    private int[] _refusals = [];
    private int _missing, _stepSize;
    private readonly List<ShardTask> _unassigned = new();
    // The weights this step's tasks carry (see StartStep), and its tasks not yet answered: a late,
    // timed-out or abandoned one keeps a copy in use, so it goes back to the pool only when none is open.
    private float[] _stepWeights = [];
    private readonly HashSet<long> _openTasks = new();

    // Backup-worker mode: tasks of finished steps, still being computed by their (slow) workers.
    private readonly Dictionary<long, Outstanding> _abandoned = new();

    private bool HasBackupWorkers => _distributed.BackupWorkers > 0;

    /// <summary>With backup workers, one shard per worker that is not still busy with an abandoned task.</summary>
    private int ShardsPerStep => HasBackupWorkers ? Math.Max(1, _workers.Count - BusyWorkers.Count) : _trainer.MicroShards;

    private HashSet<IActorRef> BusyWorkers => _abandoned.Values.Select(a => a.Worker).ToHashSet();

    private void StartStep()
    {
        AtStepBoundary();
        if (_batchInEpoch == _batchesPerEpoch) { EndEpoch(); return; }
        var (start, size) = EpochPlan.Batch(_setup.TrainingSamples, _trainer.BatchSize, _batchInEpoch);
        int shardCount = ShardsPerStep;
        var shards = new List<ShardTask>();
        for (int m = 0; m < shardCount; m++)
        {
            var (offset, count) = EpochPlan.MicroShard(size, shardCount, m);
            if (count > 0) shards.Add(new ShardTask(m, _order[(start + offset)..(start + offset + count)]));
        }
        _stepShards = shards.ToArray();
        _reducer = new ShardTreeReducer(_stepShards.Length);
        _refusals = new int[_stepShards.Length];
        _missing = HasBackupWorkers
            ? Math.Min(_distributed.Workers - _distributed.BackupWorkers, _stepShards.Length)
            : _stepShards.Length;
        _stepSize = size;
        // A step handed to one worker carries the live parameters: they change only when a step completes,
        // and only answers to tasks of the current step are accepted, so every gradient applied was computed
        // on exactly these values, and a copy would cost a pass over the model (~1 % of a step). A step
        // split among several workers carries a copy: measured, sending them the live vector made 2-worker
        // steps ~15 % slower (110k against 128k samples/s, 784-256-128-10, batch 128, 6 alternating rounds;
        // docs/benchmarks.md), though why the cores sharing the optimiser's own array costs that much is not established.
        bool split = Math.Min(_workers.Count, _stepShards.Length) > 1;
        _stepWeights = split ? VectorPool.RentCopy(_parameters) : _parameters;
        _openTasks.Clear();
        _telemetry?.StepBegan(Clock.Now);
        Distribute(_stepShards, avoid: HasBackupWorkers ? BusyWorkers : null);
        _telemetry?.Drain(); // the previous step's measurements, while the workers compute this one
    }

    private void Distribute(IReadOnlyList<ShardTask> shards, IActorRef? avoid) =>
        Distribute(shards, avoid is null ? null : new HashSet<IActorRef> { avoid });

    /// <summary>Contiguous runs of shards to the live workers in id order, passing over those to avoid if others exist.</summary>
    private void Distribute(IReadOnlyList<ShardTask> shards, IReadOnlySet<IActorRef>? avoid)
    {
        var workers = Candidates(avoid);
        if (workers.Count == 0)
        {
            _unassigned.AddRange(shards); // until a worker registers
            return;
        }
        int n = Math.Min(workers.Count, shards.Count);
        for (int k = 0; k < n; k++)
        {
            int from = k * shards.Count / n, to = (k + 1) * shards.Count / n;
            var block = shards.Skip(from).Take(to - from).ToArray();
            var (id, worker) = workers[k];
            long taskId = NextTaskId(), now = Clock.Now;
            _openTasks.Add(taskId);
            Send(worker, id, taskId, block, new ComputeGradients(taskId, _version, _stepWeights, block, 1f / _stepSize, _stepShards.Length) { SentAt = now }, now);
        }
    }

    private void AssignWaitingWork()
    {
        if (_unassigned.Count == 0) return;
        var waiting = _unassigned.ToArray();
        _unassigned.Clear();
        if (IsLocalSgd) foreach (var block in waiting) SendLocalBlock(block.Shard, _localBlocks[block.Shard], avoid: null);
        else Distribute(waiting, (IReadOnlySet<IActorRef>?)null);
    }

    private void RedoShards(ShardTask[] shards, IActorRef avoid)
    {
        var still = shards.Where(s => !_reducer.Has(s.Shard)).ToArray();
        if (still.Length > 0) Distribute(still, avoid);
    }

    private void OnGradients(GradientsComputed answer)
    {
        if (!_running) return;
        long arrived = Clock.Now;
        _openTasks.Remove(answer.TaskId);
        if (_abandoned.Remove(answer.TaskId, out var late))
        {
            _suspects.Remove(Sender);
            _stats = _stats with { DroppedLate = _stats.DroppedLate + 1 };
            _telemetry?.Answered(late.WorkerId, answer.Version + 1, late.SentAt, arrived, answer.Timings, answer.Wire, GradientFloats(answer), late: true);
            return;
        }
        var task = Accept(answer.TaskId);
        if (task is null) return;
        _telemetry?.Answered(task.WorkerId, answer.Version + 1, task.SentAt, arrived, answer.Timings, answer.Wire, GradientFloats(answer));
        if (_distributed.Mode != TrainingMode.Sync) { OnAsyncGradient(task, answer); return; }

        var refused = new List<ShardTask>();
        foreach (var result in answer.Shards)
        {
            var block = new ShardBlock(result.Shard, result.Level);
            if (!_reducer.IsValid(block) || _reducer.Overlaps(block))
            {
                _stats = _stats with { DuplicateShards = _stats.DuplicateShards + 1 };
                continue;
            }
            var shards = _stepShards[block.First..block.End(_stepShards.Length)];
            if (!Acceptable(result, answer))
            {
                _stats = _stats with { RefusedGradients = _stats.RefusedGradients + 1 };
                _telemetry?.Noticed("gradient refused", task.WorkerId, "not finite");
                _setup.Observer?.OnNotice($"gradient of worker {task.WorkerId} refused (wrong length, NaN, ∞ or beyond ±{_distributed.MaxGradient:0e0}); computing it again");
                int refusals = ++_refusals[block.First];
                if (refusals > _distributed.MaxRefusals)
                {
                    Finish($"training diverged: the gradient of micro-shards {block.First}..{block.End(_stepShards.Length) - 1} in step {_version + 1} was refused {refusals} times (NaN, ∞ or too large); try a smaller --lr");
                    return;
                }
                refused.AddRange(shards);
                VectorPool.Return(result.Gradient);
                continue;
            }
            _reducer.Add(block, result.Gradient, new ShardScore(result.LossSum, result.Correct, result.Samples));
            _missing -= shards.Length;
        }
        if (refused.Count > 0) Distribute(refused, avoid: task.Worker);
        if (_missing <= 0) CompleteStep(arrived);
    }

    private static int GradientFloats(GradientsComputed answer)
    {
        int floats = 0;
        foreach (var shard in answer.Shards) floats += shard.Gradient.Length;
        return floats;
    }

    /// <param name="gathered">When the last gradient the step needed arrived.</param>
    private void CompleteStep(long gathered)
    {
        // Work still out belongs to this step only: backup workers' late answers will be dropped,
        // and their workers left alone until they are done with it.
        foreach (var (taskId, task) in _outstanding.ToList())
        {
            _outstanding.Remove(taskId);
            _abandoned[taskId] = task;
        }
        // The gradients received are the server's now: the sum is formed in place, in the first block's vector.
        var (sum, score) = _reducer.SumOfArrived()!.Value;
        foreach (var shard in _stepShards)
            if (_reducer.Has(shard.Shard)) _ledger.Record(shard.Samples);
        Account(score);
        // Backup workers: the shards were scaled by 1/batch; rescale to the mean over the samples that arrived.
        if (score.Samples != _stepSize) TensorPrimitives.Multiply(sum, (float)_stepSize / score.Samples, sum);
        long combined = Clock.Now;
        _trainer.Penalty.AddGradient(_layout, _parameters, sum);
        _optimizer.Step(_parameters, sum);
        VectorPool.Return(sum);
        if (_openTasks.Count == 0 && !ReferenceEquals(_stepWeights, _parameters)) VectorPool.Return(_stepWeights);
        _telemetry?.StepEnded(_version + 1, gathered, combined, Clock.Now);
        _batchInEpoch++;
        AfterUpdate();
        StartStep();
    }
}
