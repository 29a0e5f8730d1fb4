using System.Diagnostics;
using Akka.Actor;
using DistNet.Core.Linear;
using Akka.Event;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Training.Server;

/// <summary>
/// Owns the parameters, the optimiser and the schedule: hands out work to registered workers,
/// applies their gradients, and keeps the epoch's ledger and metrics. The step logic of each
/// mode lives in its own file (Sync, Async, LocalSgd); this file holds what they share:
/// the roster of workers, outstanding tasks and their recovery, epochs and the final answer.
/// </summary>
public sealed partial class ParameterServer : ReceiveActor
{
    private readonly ServerSetup _setup;
    private readonly TrainerSettings _trainer;
    private readonly DistributedSettings _distributed;
    private readonly float[] _parameters;
    private readonly ParameterLayout _layout;
    private readonly Optimizer _optimizer;
    private readonly SampleLedger _ledger;
    private readonly int _batchesPerEpoch;
    private readonly RunTelemetry? _telemetry;

    // Live workers by id (sorted, so that work is spread in a reproducible order).
    private readonly SortedDictionary<int, IActorRef> _workers = new();
    private readonly Dictionary<long, Outstanding> _outstanding = new();
    private readonly HashSet<IActorRef> _suspects = new();
    private readonly SortedDictionary<int, long> _tasksPerWorker = new();
    private readonly List<EpochReport> _history = new();
    private readonly List<LedgerEpoch> _ledgerHistory = new();
    private TrainingStats _stats = new();
    private readonly Stopwatch _clock = new(), _epochClock = new();

    private IActorRef? _replyTo;
    private bool _running;
    private long _version, _nextTaskId;
    private int _epoch, _batchInEpoch;
    private int[] _order = [];
    private double _epochLoss;
    private long _epochCorrect, _epochSamples;
    private double _stalenessSum;

    // Early stopping.
    private double _bestValidation = double.PositiveInfinity;
    private float[]? _best;
    private int _bestEpoch;

    /// <summary>A task out with a worker; <paramref name="SentAt"/> is the Stopwatch timestamp of its sending.</summary>
    private sealed record Outstanding(IActorRef Worker, int WorkerId, object Work, long SentAt);

    // Task timeouts: one watchdog, armed for the earliest deadline of the outstanding tasks. Not an
    // Akka timer per task: while any Akka timer is pending, Akka's scheduler wakes the thread pool every
    // 10 ms (plus the pool's spinning after each wake-up), which took ~5 % of a core and, on 2 cores,
    // slowed the worker computing next to it by 2–3 % (issue 3). Nor a .NET timer: see Watchdog.
    private Watchdog? _watchdog;

    public ParameterServer(ServerSetup setup)
    {
        _setup = setup;
        _trainer = setup.Trainer;
        _distributed = setup.Distributed;
        _parameters = (float[])setup.Model.Parameters.Clone();
        _layout = setup.Model.Layout;
        _optimizer = Optimizer.Create(_trainer.Optimizer, _parameters.Length);
        _ledger = new SampleLedger(setup.TrainingSamples);
        _batchesPerEpoch = EpochPlan.BatchesPerEpoch(setup.TrainingSamples, _trainer.BatchSize);
        _telemetry = setup.Telemetry;

        Receive<RegisterWorker>(OnRegister);
        Receive<StartTraining>(_ =>
        {
            _replyTo = Sender;
            if (_workers.Count >= _distributed.Workers) Begin();
        });
        Receive<Terminated>(t => OnWorkerLost(t.ActorRef));
        Receive<GradientsComputed>(answer => { if (!InterceptAnswer(answer)) OnGradients(answer); });
        Receive<Redelivered>(again => OnGradients(again.Answer));
        Receive<ServerRecovering>(OnRecovering);
        Receive<CheckpointFailed>(OnCheckpointFailed);
        Receive<LocalStepsDone>(OnLocalSteps);
        Receive<CheckTimeouts>(_ => OnCheckTimeouts());
        // Anything else (a foreign or mistaken message from the network) is logged and dropped.
        ReceiveAny(message => Context.GetLogger().Warning("parameter server dropped an unexpected {0} from {1}",
            message.GetType().FullName, Sender));
    }

    public static Props Props(ServerSetup setup) => Akka.Actor.Props.Create(() => new ParameterServer(setup));

    private bool IsLocalSgd => _distributed.SyncEvery > 1;

    private void OnRegister(RegisterWorker register)
    {
        _stats = _stats with { Registrations = _stats.Registrations + 1 };
        _suspects.Remove(Sender);
        if (_workers.TryGetValue(register.WorkerId, out var known) && known.Equals(Sender))
        {
            // The same actor registering again has been restarted: what it was doing is lost.
            _setup.Observer?.OnNotice($"worker {register.WorkerId} restarted");
            _telemetry?.Noticed("worker restarted", register.WorkerId);
            Reclaim(Sender);
        }
        else
        {
            if (known is not null) Reclaim(known);
            _workers[register.WorkerId] = Sender;
            if (_running)
            {
                _setup.Observer?.OnNotice($"worker {register.WorkerId} joined ({Sender.Path.Address})");
                _telemetry?.Noticed("worker joined", register.WorkerId);
            }
            Context.Watch(Sender);
        }
        if (!_running)
        {
            if (_replyTo is not null && _workers.Count >= _distributed.Workers) Begin();
            return;
        }
        OnWorkerAvailable(register.WorkerId, Sender);
    }

    private void OnWorkerLost(IActorRef worker)
    {
        var entry = _workers.FirstOrDefault(w => w.Value.Equals(worker));
        if (entry.Value is null) return;
        _workers.Remove(entry.Key);
        _stats = _stats with { WorkersLost = _stats.WorkersLost + 1 };
        if (_running)
        {
            // A remote worker by its node's address; a local one (in process, or a cluster's vector-channel link) by its actor's name.
            string where = worker.Path.Address.HasGlobalScope ? worker.Path.Address.ToString() : worker.Path.Name;
            _setup.Observer?.OnNotice($"worker {entry.Key} lost ({where}); its work goes to the others");
            _telemetry?.Noticed("worker lost", entry.Key);
        }
        foreach (var taskId in _abandoned.Where(a => a.Value.Worker.Equals(worker)).Select(a => a.Key).ToList()) _abandoned.Remove(taskId);
        Reclaim(worker);
    }

    /// <summary>Takes back every task a worker holds and hands the work to others.</summary>
    private void Reclaim(IActorRef worker)
    {
        var lost = _outstanding.Where(o => o.Value.Worker.Equals(worker)).ToList();
        foreach (var (taskId, task) in lost)
        {
            _outstanding.Remove(taskId);
            _stats = _stats with { Reassigned = _stats.Reassigned + 1 };
            Redo(task, avoid: worker);
        }
        if (_distributed.Mode != TrainingMode.Sync) ForgetIdle(worker);
    }

    /// <summary>Times out every task past its deadline, then waits for the next deadline, if any.</summary>
    private void OnCheckTimeouts()
    {
        long now = Clock.Now;
        foreach (var (taskId, task) in _outstanding.ToList())
            if (Deadline(task) <= now) OnTimeout(taskId); // may send new tasks, which arm the watchdog themselves
        foreach (var task in _outstanding.Values) ArmWatchdog(Deadline(task));
    }

    private long Deadline(Outstanding task) => Clock.After(task.SentAt, (long)(_distributed.TaskTimeout.TotalMilliseconds * 1e6));

    private void ArmWatchdog(long deadline) => (_watchdog ??= NewWatchdog()).FireBy(deadline);

    private Watchdog NewWatchdog()
    {
        var self = Self;
        return new Watchdog(() => self.Tell(CheckTimeouts.Instance), "distnet task watchdog");
    }

    protected override void PostStop() => _watchdog?.Dispose();

    private void OnTimeout(long taskId)
    {
        if (!_outstanding.Remove(taskId, out var task)) return;
        _stats = _stats with { TimedOut = _stats.TimedOut + 1, Reassigned = _stats.Reassigned + 1 };
        // Until it answers again, a worker that let work time out gets none: it may be dead
        // without the cluster having noticed yet, and every step would wait for it again.
        _telemetry?.Noticed("task timed out", task.WorkerId);
        if (_suspects.Add(task.Worker))
            _setup.Observer?.OnNotice($"worker {task.WorkerId} did not answer within {_distributed.TaskTimeout.TotalSeconds:0.###} s; its work goes to the others");
        Redo(task, avoid: task.Worker);
    }

    /// <summary>Live workers to give work to, in id order: not the avoided ones nor suspects, unless nobody else is left.</summary>
    private List<KeyValuePair<int, IActorRef>> Candidates(IReadOnlySet<IActorRef>? avoid)
    {
        var healthy = _workers.Where(w => !_suspects.Contains(w.Value) && (avoid is null || !avoid.Contains(w.Value))).ToList();
        if (healthy.Count > 0) return healthy;
        var notAvoided = _workers.Where(w => avoid is null || !avoid.Contains(w.Value)).ToList();
        return notAvoided.Count > 0 ? notAvoided : _workers.ToList();
    }

    private void Redo(Outstanding task, IActorRef avoid)
    {
        switch (task.Work)
        {
            case ShardTask[] shards: RedoShards(shards, avoid); break;
            case int[][] batches: RedoLocalBlock(task, batches, avoid); break;
            case AsyncBatch batch: RequeueBatch(batch); break;
        }
    }

    /// <param name="sentAt">The timestamp the message carries (<see cref="ComputeGradients.SentAt"/>).</param>
    private void Send(IActorRef worker, int workerId, long taskId, object work, IDistNetMessage message, long sentAt)
    {
        var task = _outstanding[taskId] = new Outstanding(worker, workerId, work, sentAt);
        ArmWatchdog(Deadline(task));
        _stats = _stats with { TasksSent = _stats.TasksSent + 1 };
        _tasksPerWorker[workerId] = _tasksPerWorker.GetValueOrDefault(workerId) + 1;
        Deliver(worker, workerId, taskId, message);
    }

    private long NextTaskId() => ++_nextTaskId;

    /// <summary>The task an answer belongs to, or null (counted) when it is late, duplicated or unknown.</summary>
    private Outstanding? Accept(long taskId)
    {
        _suspects.Remove(Sender); // it answers, so it is alive
        if (!_outstanding.Remove(taskId, out var task))
        {
            _stats = _stats with { StaleAnswers = _stats.StaleAnswers + 1 };
            return null;
        }
        return task;
    }

    private void Begin()
    {
        if (_running) return;
        _running = true;
        _clock.Start();
        _telemetry?.Started(barrier: _distributed.Mode == TrainingMode.Sync);
        if (_trainer.Epochs == 0) { Finish(null); return; }
        StartOrResume(afterCrash: false);
    }

    private void StartEpoch(int epoch)
    {
        _epoch = epoch;
        _batchInEpoch = 0;
        _order = EpochPlan.Order(_setup.TrainingSamples, _trainer.Seed, epoch, _trainer.Shuffle);
        _epochLoss = 0;
        _epochCorrect = _epochSamples = 0;
        _epochClock.Restart();
        _telemetry?.EpochBegan(epoch);
        switch (_distributed.Mode)
        {
            case TrainingMode.Sync when IsLocalSgd: StartRound(); break;
            case TrainingMode.Sync: StartStep(); break;
            default: StartAsyncEpoch(); break;
        }
    }

    private void OnWorkerAvailable(int workerId, IActorRef worker)
    {
        switch (_distributed.Mode)
        {
            case TrainingMode.Sync: AssignWaitingWork(); break;
            default: OfferWork(workerId, worker); break;
        }
    }

    /// <summary>Metrics of accepted work; the ledger proves each sample counted once.</summary>
    private void Account(ReadOnlySpan<int> samples, double loss, long correct)
    {
        _ledger.Record(samples);
        Account(new ShardScore(loss, (int)correct, samples.Length));
    }

    private void Account(ShardScore score)
    {
        _epochLoss += score.LossSum;
        _epochCorrect += score.Correct;
        _epochSamples += score.Samples;
    }

    private void AfterUpdate()
    {
        _version++;
        _stats = _stats with { Updates = _stats.Updates + 1 };
        _setup.Observer?.OnBatch(_epoch, Math.Min(_batchInEpoch, _batchesPerEpoch), _batchesPerEpoch,
            _epochSamples == 0 ? 0 : _epochLoss / _epochSamples);
    }

    /// <summary>
    /// Refuses a vector of the wrong length (a malformed message from the network), NaN, ±∞ and
    /// absurd magnitudes (LargestMagnitude is NaN when any element is).
    /// </summary>
    private bool Acceptable(float[] gradient) =>
        gradient.Length == _parameters.Length && Finite.LargestMagnitude(gradient) <= _distributed.MaxGradient;

    /// <summary>
    /// The same for a block sum. In process the magnitude the worker measured while adding the block
    /// up is taken as it is (the same code on the same vector; reading it again here cost ~1.5 % of a
    /// step); a vector that crossed the wire is measured here. First-layer factors are a cluster
    /// link's to rebuild: a block still carrying them has a region nobody filled in.
    /// </summary>
    private bool Acceptable(ShardGradient block, GradientsComputed answer) =>
        block.FirstLayer is null && (answer.Wire is null && block.LargestMagnitude is { } measured && block.Gradient.Length == _parameters.Length
            ? measured <= _distributed.MaxGradient
            : Acceptable(block.Gradient));

    /// <summary>Closes the epoch: ledger, validation, report, early stopping; then the next epoch or the end.</summary>
    private void EndEpoch()
    {
        double seconds = _epochClock.Elapsed.TotalSeconds;
        _ledgerHistory.Add(_ledger.Close(_epoch));
        var model = new Mlp(_layout.Architecture, _parameters);
        var validation = _setup.Validation.Count > 0 ? Evaluation.Of(model, _setup.Validation, Penalty.None) : null;
        var report = new EpochReport(_epoch, _epochSamples == 0 ? double.NaN : _epochLoss / _epochSamples,
            _trainer.Penalty.Value(_layout, _parameters),
            IsClassificationRun && _epochSamples > 0 ? (double)_epochCorrect / _epochSamples : null,
            validation?.Loss, validation?.Accuracy, _epochSamples / Math.Max(seconds, 1e-9), _clock.Elapsed.TotalSeconds);
        _history.Add(report);
        if (_telemetry?.CloseEpoch(_epoch) is { } timings && _setup.Observer is IEpochTimingsObserver timingsObserver)
            timingsObserver.OnEpochTimings(timings);
        _setup.Observer?.OnEpoch(report);

        if (!double.IsFinite(report.Loss))
        {
            Finish($"training diverged in epoch {_epoch}: the loss is {report.Loss}; try a smaller --lr");
            return;
        }
        if (_trainer.Patience > 0 && validation is not null)
        {
            if (validation.Loss < _bestValidation)
            {
                _bestValidation = validation.Loss;
                _best = (float[])_parameters.Clone();
                _bestEpoch = _epoch;
            }
            else if (_best is not null && _epoch - _bestEpoch >= _trainer.Patience)
            {
                _best.CopyTo(_parameters, 0);
                Finish(null, stoppedEarly: true);
                return;
            }
        }
        if (_epoch >= _trainer.Epochs)
        {
            if (_best is not null && _bestEpoch != _epoch) _best.CopyTo(_parameters, 0);
            Finish(null);
            return;
        }
        StartEpoch(_epoch + 1);
    }

    private bool IsClassificationRun => _setup.Validation.IsClassification;

    private void Finish(string? failure, bool stoppedEarly = false)
    {
        _running = false;
        AwaitCheckpointWrites();
        _telemetry?.Finished();
        _outstanding.Clear();
        var stats = _stats with
        {
            MeanStaleness = _stats.Updates == 0 ? 0 : _stalenessSum / _stats.Updates,
            Clocks = _clockRecords.ToArray(),
            TasksPerWorker = new Dictionary<int, long>(_tasksPerWorker),
        };
        _replyTo?.Tell(new TrainingFinished((float[])_parameters.Clone(), _history.ToArray(),
            _best is null ? _history.Count : _bestEpoch, stoppedEarly, stats, _ledgerHistory.ToArray(), failure));
        _replyTo = null;
    }
}
