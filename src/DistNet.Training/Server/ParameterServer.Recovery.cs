using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using DistNet.Core.Checkpoints;
using DistNet.Core.Optim;
using DistNet.Core.Training;
using DistNet.Training.Faults;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Training.Server;

/// <summary>Where and how often the server writes checkpoints, and whether it starts from one.</summary>
public sealed record CheckpointSettings(string Directory, int Every, bool Resume = false, int Keep = 3);

/// <summary>Whoever runs the workers: the server asks it to stop or start one when a fault plan says so.</summary>
public interface IWorkerHost
{
    void Stop(int workerId);
    void Start(int workerId);
}

/// <summary>The old incarnation's hand-over to the new one after a crash: who was waiting, who works, what was counted.</summary>
internal sealed record ServerRecovering(IActorRef? ReplyTo, KeyValuePair<int, IActorRef>[] Workers, int Incarnation, TrainingStats Stats,
    IReadOnlyList<LedgerEpoch> Ledger, KeyValuePair<int, long>[] TasksPerWorker) : IDistNetMessage;

/// <summary>From the background writer: a checkpoint could not be written.</summary>
internal sealed record CheckpointFailed(long Version, string Error);

/// <summary>A worker's answer handed to the server again by a fault (duplicated or delayed): not subject to the plan a second time.</summary>
internal sealed record Redelivered(GradientsComputed Answer) : IDistNetMessage;

/// <summary>A crash the fault plan asked for.</summary>
public sealed class InjectedServerCrash(long step) : Exception($"crash-server fault at step {step}");

/// <summary>
/// Recovery: checkpoints every K steps and resuming from them; surviving a crash of the server
/// itself (the supervisor restarts the actor, which takes over its predecessor's workers and goes
/// on from the last good checkpoint); and the fault plan's hooks on the server's side.
/// </summary>
public sealed partial class ParameterServer
{
    private static readonly JsonSerializerOptions ReportJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private CheckpointStore? _store;
    private long _lastCheckpoint = -1;
    private int _incarnation;

    /// <summary>Checkpoints are taken between sync steps; other modes have no step boundary to stop at.</summary>
    private bool Checkpointing => _setup.Checkpoints is not null && _distributed.Mode == TrainingMode.Sync && !IsLocalSgd && !HasBackupWorkers;

    /// <summary>What a checkpoint must match to be resumed: everything that decides the arithmetic, not the worker count or epochs.</summary>
    private string Fingerprint() => string.Join('|',
        "distnet-1", _layout.Architecture.ToString(), $"samples={_setup.TrainingSamples}", $"batch={_trainer.BatchSize}",
        $"micro-shards={_trainer.MicroShards}", $"seed={_trainer.Seed}", $"shuffle={_trainer.Shuffle}", _trainer.Optimizer.ToString(),
        _trainer.Penalty.ToString(), $"mode={TrainingModeName}");

    private string TrainingModeName => DistributedSettings.Name(_distributed.Mode);

    /// <summary>At a step boundary (sync): a checkpoint if one is due; the fault plan's kills, restarts and crashes.</summary>
    private void AtStepBoundary()
    {
        if (Checkpointing && _version > 0 && _version % _setup.Checkpoints!.Every == 0 && _version != _lastCheckpoint)
            WriteCheckpoint();
        if (_setup.Faults is not { } faults) return;
        foreach (var action in faults.AtStepStart(_version + 1))
        {
            switch (action)
            {
                case StopWorker stop:
                    _setup.Observer?.OnNotice($"fault: killing worker {stop.Worker} at step {_version + 1}");
                    _telemetry?.RecordInstant("fault: kill worker", stop.Worker);
                    _setup.Host?.Stop(stop.Worker);
                    break;
                case StartWorker start:
                    _setup.Observer?.OnNotice($"fault: restarting worker {start.Worker} at step {_version + 1}");
                    _setup.Host?.Start(start.Worker);
                    break;
                case CrashServerNow:
                    _setup.Observer?.OnNotice($"fault: crashing the parameter server at step {_version + 1}");
                    throw new InjectedServerCrash(_version + 1);
            }
        }
    }

    /// <summary>
    /// Takes a copy of the state on the server's thread (a few hundred microseconds for a model of
    /// 235k parameters) and writes it in the background: the write and its fsync cost milliseconds,
    /// which would otherwise stall every worker. Writes run one after another, in step order.
    /// </summary>
    private void WriteCheckpoint()
    {
        long start = Clock.Now;
        _store ??= new CheckpointStore(_setup.Checkpoints!.Directory, _setup.Checkpoints.Keep);
        var checkpoint = new Checkpoint
        {
            Version = _version,
            Epoch = _epoch,
            BatchInEpoch = _batchInEpoch,
            Parameters = (float[])_parameters.Clone(),
            OptimizerName = Optimizer.Name(_trainer.Optimizer.Kind),
            OptimizerSteps = _optimizer.Steps,
            OptimizerState = _optimizer.State.ToDictionary(kv => kv.Key, kv => (float[])kv.Value.Clone()),
            LedgerCounts = _ledger.Counts(),
            Fingerprint = Fingerprint(),
            BestValidationLoss = _bestValidation,
            EpochsWithoutImprovement = _best is null ? 0 : _history.Count - _bestEpoch,
            BestParameters = (float[]?)_best?.Clone(),
            History = _history.Select(r => JsonSerializer.Serialize(r, ReportJson)).ToArray(),
            EpochLossSum = _epochLoss,
            EpochCorrect = _epochCorrect,
            EpochSamples = _epochSamples,
        };
        _lastCheckpoint = _version;
        var store = _store;
        var self = Self;
        _checkpointWrites = _checkpointWrites.ContinueWith(_ =>
        {
            long began = Clock.Now;
            try { store.Write(checkpoint); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                self.Tell(new CheckpointFailed(checkpoint.Version, e.Message));
            }
            finally { Interlocked.Add(ref _checkpointWriteNs, Clock.Ns(began, Clock.Now)); }
        }, TaskScheduler.Default);
        _stats = _stats with
        {
            CheckpointsWritten = _stats.CheckpointsWritten + 1,
            CheckpointSeconds = _stats.CheckpointSeconds + Clock.Ns(start, Clock.Now) / 1e9,
        };
    }

    private Task _checkpointWrites = Task.CompletedTask;
    private long _checkpointWriteNs; // added to by the background writes

    private void OnCheckpointFailed(CheckpointFailed failed)
    {
        _stats = _stats with { CheckpointsWritten = _stats.CheckpointsWritten - 1 };
        _setup.Observer?.OnNotice($"checkpoint of step {failed.Version} not written: {failed.Error}");
    }

    /// <summary>Before the result goes out: the last checkpoint is on disk, so a resume finds it.</summary>
    private void AwaitCheckpointWrites()
    {
        if (!_checkpointWrites.Wait(TimeSpan.FromSeconds(60)))
            _setup.Observer?.OnNotice("a checkpoint write is still running after 60 s");
        _stats = _stats with { CheckpointWriteSeconds = Interlocked.Read(ref _checkpointWriteNs) / 1e9 };
    }

    /// <summary>
    /// Loads the newest good checkpoint into this server's state. Returns null on success, else why
    /// it could not (no good checkpoint, or one written with other options).
    /// </summary>
    private string? LoadCheckpoint(bool required)
    {
        var settings = _setup.Checkpoints!;
        _store ??= new CheckpointStore(settings.Directory, settings.Keep);
        var loaded = _store.LoadLatestGood();
        foreach (var skipped in loaded.Skipped)
            _setup.Observer?.OnNotice($"checkpoint skipped: {skipped.Path}: {skipped.Reason}");
        if (loaded.Checkpoint is not { } c)
            return required ? $"cannot resume: {loaded.Problem ?? $"no good checkpoint in {settings.Directory}"}" : null;
        if (c.Fingerprint != Fingerprint())
            return $"cannot resume from {loaded.Path}: it was written by a run with other options ({c.Fingerprint}; this run: {Fingerprint()})";
        if (c.Parameters.Length != _parameters.Length) return $"cannot resume from {loaded.Path}: {c.Parameters.Length} parameters, the model has {_parameters.Length}";

        c.Parameters.CopyTo(_parameters, 0);
        _optimizer.Restore(c.OptimizerState, c.OptimizerSteps);
        _ledger.Restore(c.LedgerCounts);
        _version = _lastCheckpoint = c.Version;
        _epoch = c.Epoch;
        _batchInEpoch = c.BatchInEpoch;
        _ledgerHistory.RemoveAll(l => l.Epoch >= _epoch); // epochs from here on are closed again
        _order = EpochPlan.Order(_setup.TrainingSamples, _trainer.Seed, _epoch, _trainer.Shuffle);
        _epochLoss = c.EpochLossSum;
        _epochCorrect = c.EpochCorrect;
        _epochSamples = c.EpochSamples;
        _history.Clear();
        _history.AddRange(c.History.Select(line => JsonSerializer.Deserialize<EpochReport>(line, ReportJson)!));
        _bestValidation = c.BestValidationLoss;
        _best = c.BestParameters is null ? null : (float[])c.BestParameters.Clone();
        _bestEpoch = _best is null ? 0 : _history.Count - c.EpochsWithoutImprovement;
        _stats = _stats with { ResumedFromStep = c.Version };
        _setup.Observer?.OnNotice($"resumed from {loaded.Path} (step {c.Version}, epoch {c.Epoch}, batch {c.BatchInEpoch})");
        _telemetry?.Noticed("resumed from checkpoint", -1, $"step {c.Version}");
        return null;
    }

    /// <summary>Starts (or, after a crash, restarts) the run: from a checkpoint when asked to, else from the first epoch.</summary>
    private void StartOrResume(bool afterCrash)
    {
        bool fromCheckpoint = _setup.Checkpoints is { } settings && (settings.Resume || afterCrash);
        if (fromCheckpoint)
        {
            if (!Checkpointing)
            {
                Finish($"checkpoints need --mode sync without --backup-workers or --sync-every (this run: {TrainingModeName})");
                return;
            }
            string? problem = LoadCheckpoint(required: !afterCrash);
            if (problem is not null) { Finish(problem); return; }
            if (_lastCheckpoint >= 0)
            {
                _epochClock.Restart();
                _telemetry?.EpochBegan(_epoch);
                StartStep();
                return;
            }
        }
        if (afterCrash)
        {
            // A new incarnation holds the initial model and a fresh optimiser already; only the handed-over ledger goes.
            _setup.Observer?.OnNotice("no checkpoint to resume from: starting again from the first step");
            _ledgerHistory.Clear();
        }
        StartEpoch(1);
    }

    protected override void PreRestart(Exception reason, object message)
    {
        if (reason is not InjectedServerCrash)
            Context.GetLogger().Error("parameter server failed and restarts: {0}: {1}", reason.GetType().Name, reason.Message);
        AwaitCheckpointWrites(); // so that the next incarnation finds the newest one
        // The next incarnation starts empty: hand it who is waiting for the result and who works.
        Self.Tell(new ServerRecovering(_replyTo, _workers.ToArray(), _incarnation + 1,
            _stats with { ServerRestarts = _stats.ServerRestarts + 1 }, _ledgerHistory.ToArray(), _tasksPerWorker.ToArray()));
        base.PreRestart(reason, message);
    }

    private void OnRecovering(ServerRecovering recovering)
    {
        _replyTo = recovering.ReplyTo;
        _incarnation = recovering.Incarnation;
        // Task ids of this incarnation never collide with the old one's, whose answers may still come.
        _nextTaskId = (long)_incarnation << 40;
        _stats = recovering.Stats;
        foreach (var (id, tasks) in recovering.TasksPerWorker) _tasksPerWorker[id] = tasks;
        foreach (var (id, worker) in recovering.Workers)
        {
            _workers[id] = worker;
            Context.Watch(worker);
        }
        _setup.Observer?.OnNotice($"parameter server restarted (incarnation {_incarnation}); {_workers.Count} workers kept");
        _telemetry?.Noticed("server restarted", -1);
        if (_replyTo is null) return; // it crashed before training began
        _ledgerHistory.AddRange(recovering.Ledger);
        _running = true;
        _clock.Start();
        StartOrResume(afterCrash: true);
    }

    /// <summary>
    /// The plan's say over a worker's answer as it arrives: true when it has been dealt with
    /// (dropped, or put off to arrive later), false to process it now (also when duplicated: the copy follows).
    /// </summary>
    private bool InterceptAnswer(GradientsComputed answer)
    {
        if (_setup.Faults is not { } faults) return false;
        var decision = faults.OnGradient(answer.Version + 1, answer.WorkerId, answer.TaskId);
        switch (decision.Fate)
        {
            case MessageFate.Drop: return true;
            case MessageFate.Duplicate: Self.Tell(new Redelivered(answer), Sender); return false;
            case MessageFate.Delay:
                Context.System.Scheduler.ScheduleTellOnce(decision.Delay, Self, new Redelivered(answer), Sender);
                return true;
            default: return false;
        }
    }

    /// <summary>Sends a task, or under a fault plan drops, duplicates or delays it (the task is outstanding either way).</summary>
    private void Deliver(IActorRef worker, int workerId, long taskId, IDistNetMessage message)
    {
        var decision = _setup.Faults?.OnTask(_version + 1, workerId, taskId) ?? MessageDecision.Deliver;
        switch (decision.Fate)
        {
            case MessageFate.Drop: break;
            case MessageFate.Duplicate: worker.Tell(message, Self); worker.Tell(message, Self); break;
            case MessageFate.Delay: Context.System.Scheduler.ScheduleTellOnce(decision.Delay, worker, message, Self); break;
            default: worker.Tell(message, Self); break;
        }
    }
}
