using Akka.Actor;
using DistNet.Core.Linear;
using DistNet.Core.Training;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Training.Server;

/// <summary>
/// Asynchronous (Downpour-style) and stale-synchronous parallel steps. The epoch's batches are
/// handed out one per request; each gradient is applied the moment it arrives, at whatever
/// version it was computed on (the difference is its staleness). SSP additionally holds back a
/// worker whose clock (tasks completed) leads the slowest live worker's by more than s.
/// </summary>
public sealed partial class ParameterServer
{
    private sealed record AsyncBatch(int Batch, int[] Samples);

    private readonly Queue<AsyncBatch> _redo = new();
    private readonly SortedDictionary<int, IActorRef> _idle = new();
    private readonly Dictionary<int, long> _clocks = new();
    private readonly Dictionary<int, int> _batchRefusals = new();
    private readonly List<ClockRecord> _clockRecords = new();
    private int _nextBatch, _batchesDone;

    // SSP: since when each held-back worker has been waiting, and for whom (telemetry only).
    private readonly Dictionary<int, (long Since, int Slowest)> _blocked = new();

    private void StartAsyncEpoch()
    {
        _nextBatch = 0;
        _batchesDone = 0;
        foreach (var (id, worker) in _workers) _idle[id] = worker;
        OfferIdleWork();
    }

    private void OfferWork(int workerId, IActorRef worker)
    {
        _clocks.TryAdd(workerId, SlowestClock(excluding: workerId));
        _idle[workerId] = worker;
        OfferIdleWork();
    }

    private void OfferIdleWork()
    {
        foreach (var (id, worker) in _idle.ToList())
        {
            if (_redo.Count == 0 && _nextBatch >= _batchesPerEpoch) break;
            long clock = _clocks.GetValueOrDefault(id);
            long slowest = SlowestClock(excluding: null);
            if (_distributed.Mode == TrainingMode.Ssp && clock - slowest > _distributed.Staleness)
            {
                if (_telemetry is not null && !_blocked.ContainsKey(id)) _blocked[id] = (Clock.Now, SlowestWorker());
                continue;
            }
            _idle.Remove(id);
            if (_blocked.Remove(id, out var blocked)) _telemetry?.Blocked(id, blocked.Slowest, blocked.Since, Clock.Now);
            var batch = _redo.Count > 0 ? _redo.Dequeue() : NextAsyncBatch();
            if (_distributed.Mode == TrainingMode.Ssp) _clockRecords.Add(new ClockRecord(id, clock, slowest));
            long taskId = NextTaskId(), now = Clock.Now;
            Send(worker, id, taskId, batch, new ComputeGradients(taskId, _version, (float[])_parameters.Clone(),
                [new ShardTask(batch.Batch, batch.Samples)], 1f / batch.Samples.Length, ShardCount: 0) { SentAt = now }, now);
        }
        _telemetry?.Drain();
    }

    private AsyncBatch NextAsyncBatch()
    {
        var (start, size) = EpochPlan.Batch(_setup.TrainingSamples, _trainer.BatchSize, _nextBatch);
        return new AsyncBatch(_nextBatch++, _order[start..(start + size)]);
    }

    /// <summary>The live worker with the lowest clock (the lowest id among equals).</summary>
    private int SlowestWorker()
    {
        int slowest = -1;
        long lowest = long.MaxValue;
        foreach (var id in _workers.Keys)
            if (_clocks.TryGetValue(id, out var c) && c < lowest) (slowest, lowest) = (id, c);
        return slowest;
    }

    private long SlowestClock(int? excluding)
    {
        long slowest = long.MaxValue;
        foreach (var id in _workers.Keys)
            if (id != excluding && _clocks.TryGetValue(id, out var c)) slowest = Math.Min(slowest, c);
        return slowest == long.MaxValue ? 0 : slowest;
    }

    private void OnAsyncGradient(Outstanding task, GradientsComputed answer)
    {
        var batch = (AsyncBatch)task.Work;
        var result = answer.Shards[0];
        if (!Acceptable(result, answer))
        {
            _stats = _stats with { RefusedGradients = _stats.RefusedGradients + 1 };
            _telemetry?.Noticed("gradient refused", task.WorkerId, "not finite");
            _setup.Observer?.OnNotice($"gradient of worker {task.WorkerId} refused (wrong length, NaN, ∞ or beyond ±{_distributed.MaxGradient:0e0}); computing it again");
            int refusals = _batchRefusals[batch.Batch] = _batchRefusals.GetValueOrDefault(batch.Batch) + 1;
            if (refusals > _distributed.MaxRefusals)
            {
                Finish($"training diverged: the gradient of batch {batch.Batch} was refused {refusals} times (NaN, ∞ or too large); try a smaller --lr");
                return;
            }
            _redo.Enqueue(batch);
        }
        else
        {
            long staleness = _version - answer.Version;
            _stalenessSum += staleness;
            _stats = _stats with { MaxStaleness = Math.Max(_stats.MaxStaleness, staleness) };
            long applying = Clock.Now;
            _trainer.Penalty.AddGradient(_layout, _parameters, result.Gradient);
            _optimizer.Step(_parameters, result.Gradient);
            VectorPool.Return(result.Gradient);
            _telemetry?.AsyncApplied(_version + 1, task.SentAt, applying, Clock.Now, staleness);
            Account(batch.Samples, result.LossSum, result.Correct);
            _batchesDone++;
            _batchInEpoch = _batchesDone;
            _clocks[task.WorkerId] = _clocks.GetValueOrDefault(task.WorkerId) + 1;
            AfterUpdate();
        }
        if (_workers.ContainsKey(task.WorkerId)) _idle[task.WorkerId] = task.Worker;
        if (_batchesDone == _batchesPerEpoch) EndEpoch();
        else OfferIdleWork();
    }

    private void RequeueBatch(AsyncBatch batch)
    {
        _redo.Enqueue(batch);
        OfferIdleWork();
    }

    private void ForgetIdle(IActorRef worker)
    {
        foreach (var (id, _) in _idle.Where(i => i.Value.Equals(worker)).ToList())
        {
            _idle.Remove(id);
            _blocked.Remove(id);
        }
        // A lost worker no longer holds the others back.
        if (_running) OfferIdleWork();
    }
}
