using Akka.Actor;
using DistNet.Core.Linear;
using System.Numerics.Tensors;
using DistNet.Core.Training;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Training.Server;

/// <summary>
/// Local SGD (model averaging, --sync-every H): each round, N blocks of H consecutive batches;
/// a worker takes H optimiser steps on its block from the global parameters and sends its
/// parameters back; the server averages them in block order. H times fewer messages than sync.
/// The number of blocks is the configured worker count, so a lost worker's block is redone by
/// another and the result stays the same.
/// </summary>
public sealed partial class ParameterServer
{
    private int[][][] _localBlocks = [];
    private float[]?[] _localResults = [];
    private int _localMissing;
    private long _round;
    // The parameters at the start of the round, which every block starts from while the server averages into its own.
    private float[] _snapshot = [];

    private void StartRound()
    {
        if (_batchInEpoch == _batchesPerEpoch) { EndEpoch(); return; }
        int h = _distributed.SyncEvery;
        var blocks = new List<int[][]>();
        for (int k = 0; k < _distributed.Workers && _batchInEpoch < _batchesPerEpoch; k++)
        {
            var batches = new List<int[]>();
            for (int i = 0; i < h && _batchInEpoch < _batchesPerEpoch; i++, _batchInEpoch++)
            {
                var (start, size) = EpochPlan.Batch(_setup.TrainingSamples, _trainer.BatchSize, _batchInEpoch);
                batches.Add(_order[start..(start + size)]);
            }
            blocks.Add(batches.ToArray());
        }
        _localBlocks = blocks.ToArray();
        _localResults = new float[]?[_localBlocks.Length];
        _localMissing = _localBlocks.Length;
        _round++;
        _snapshot = (float[])_parameters.Clone();
        _telemetry?.StepBegan(Clock.Now);
        var workers = _workers.ToList();
        for (int b = 0; b < _localBlocks.Length; b++)
        {
            if (workers.Count == 0) { _unassigned.Add(new ShardTask(b, [])); continue; }
            var (id, worker) = workers[b % workers.Count];
            SendLocalBlock(b, _localBlocks[b], id, worker);
        }
        _telemetry?.Drain();
    }

    private void SendLocalBlock(int block, int[][] batches, IActorRef? avoid)
    {
        var workers = Candidates(avoid is null ? null : new HashSet<IActorRef> { avoid });
        if (workers.Count == 0) { _unassigned.Add(new ShardTask(block, [])); return; }
        var (id, worker) = workers[block % workers.Count];
        SendLocalBlock(block, batches, id, worker);
    }

    private void SendLocalBlock(int block, int[][] batches, int workerId, IActorRef worker)
    {
        long taskId = NextTaskId(), now = Clock.Now;
        _localTaskBlock[taskId] = block;
        Send(worker, workerId, taskId, batches, new RunLocalSteps(taskId, _round, _snapshot, batches) { SentAt = now }, now);
    }

    private readonly Dictionary<long, int> _localTaskBlock = new();

    private void RedoLocalBlock(Outstanding task, int[][] batches, IActorRef avoid)
    {
        var block = Array.IndexOf(_localBlocks, batches);
        if (block >= 0 && _localResults[block] is null) SendLocalBlock(block, batches, avoid);
    }

    private void OnLocalSteps(LocalStepsDone answer)
    {
        if (!_running) return;
        long arrived = Clock.Now;
        var task = Accept(answer.TaskId);
        if (task is null || answer.Round != _round) return;
        _telemetry?.Answered(task.WorkerId, answer.Round, task.SentAt, arrived, answer.Timings, answer.Wire, answer.Parameters.Length);
        int block = _localTaskBlock[answer.TaskId];
        _localTaskBlock.Remove(answer.TaskId);
        if (_localResults[block] is not null) { _stats = _stats with { DuplicateShards = _stats.DuplicateShards + 1 }; return; }
        if (!Finite.All(answer.Parameters))
        {
            _stats = _stats with { RefusedGradients = _stats.RefusedGradients + 1 };
            Finish($"training diverged: local steps of round {_round} produced non-finite parameters; try a smaller --lr");
            return;
        }
        _localResults[block] = answer.Parameters;
        foreach (var batch in _localBlocks[block]) _ledger.Record(batch);
        _epochLoss += answer.LossSum;
        _epochCorrect += answer.Correct;
        _epochSamples += answer.Samples;
        if (--_localMissing > 0) return;

        _localResults[0]!.CopyTo(_parameters, 0);
        for (int b = 1; b < _localResults.Length; b++) TensorPrimitives.Add(_parameters, _localResults[b]!, _parameters);
        TensorPrimitives.Multiply(_parameters, 1f / _localResults.Length, _parameters);
        long averaged = Clock.Now;
        _telemetry?.StepEnded(_round, arrived, averaged, averaged);
        AfterUpdate();
        StartRound();
    }
}
