using Akka.Actor;
using Akka.Configuration;
using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Training;
using DistNet.Training.Faults;
using DistNet.Training.Server;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Training.Hosting;

/// <summary>The outcome of a run: the trained model and what the server measured.</summary>
public sealed record DistributedResult(Mlp Model, TrainingFinished Finished)
{
    public IReadOnlyList<EpochReport> History => Finished.History;
    public TrainingStats Stats => Finished.Stats;
    public bool LedgerExactlyOnce => Finished.Ledger.All(e => e.ExactlyOnce);
}

/// <summary>
/// Runs the parameter server and N workers in one actor system. `distnet train` always goes
/// through here; one worker is simply N = 1.
/// </summary>
public static class LocalTraining
{
    /// <param name="telemetry">Where the server records timings, the straggler report and the trace; null for none.</param>
    /// <param name="injector">A fault plan to carry out (kills, crashes, slow workers, lost messages); null for none.</param>
    /// <param name="checkpoints">Where the server writes checkpoints, and whether it resumes from one; null for none.</param>
    public static DistributedResult Run(Mlp model, Dataset train, Dataset validation, TrainerSettings trainer,
        DistributedSettings distributed, ITrainingObserver? observer = null,
        Func<int, IWorkerFaults>? faults = null, Config? config = null,
        Action<ActorSystem, IActorRef[]>? onStarted = null, RunTelemetry? telemetry = null,
        FaultInjector? injector = null, CheckpointSettings? checkpoints = null)
    {
        Validate(trainer, distributed);
        Evaluation.CheckCompatible(model.Architecture, train);
        if (checkpoints is not null && (distributed.Mode != TrainingMode.Sync || distributed.BackupWorkers > 0 || distributed.SyncEvery > 1))
            throw new ArgumentException("--checkpoint-dir and --resume need --mode sync without --backup-workers or --sync-every");
        injector?.Plan.CheckWorkers(distributed.Workers);
        using var system = ActorSystem.Create("distnet", config ?? AkkaConfig.Default);
        try
        {
            bool share = ServerCanShareAThread(distributed, faultHooks: faults is not null || injector is not null);
            var job = new WorkerJob(model.Architecture, train, trainer.Penalty, trainer.Optimizer);
            var host = new LocalWorkers(system, job, id => Hook(id, faults, injector), share);
            var server = TrainingServer.Start(system,
                new ServerSetup(model, train.Count, validation, trainer, distributed, observer, telemetry, injector, checkpoints, host),
                AkkaConfig.ServerDispatcher(share));
            var workers = host.StartAll(server, distributed.Workers);
            onStarted?.Invoke(system, workers); // before training starts: observers may act on the workers at any step
            return TrainingServer.Train(server, model.Architecture).GetAwaiter().GetResult();
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        }
    }

    private static IWorkerFaults? Hook(int id, Func<int, IWorkerFaults>? faults, FaultInjector? injector) =>
        injector is null ? faults?.Invoke(id) : injector.ForWorker(id, faults?.Invoke(id));

    /// <summary>The in-process workers, which a fault plan may stop and start again.</summary>
    private sealed class LocalWorkers(ActorSystem system, WorkerJob job, Func<int, IWorkerFaults?> hook, bool shareWithServer) : IWorkerHost
    {
        private readonly Dictionary<int, IActorRef> _running = new();
        private IActorRef _server = ActorRefs.Nobody;
        private int _generation;

        public IActorRef[] StartAll(IActorRef server, int count)
        {
            _server = server;
            return Enumerable.Range(0, count).Select(Launch).ToArray();
        }

        private IActorRef Launch(int id)
        {
            lock (_running)
            {
                string name = _generation == 0 ? $"worker-{id}" : $"worker-{id}-{_generation}";
                var worker = system.ActorOf(Worker.Props(id, _server, job, hook(id)).WithDispatcher(AkkaConfig.WorkerDispatcher(id, shareWithServer)), name);
                _running[id] = worker;
                return worker;
            }
        }

        /// <summary>
        /// A PoisonPill, handled by the worker itself right after its current task: system.Stop would
        /// go through the user guardian on the shared thread pool, and a starved pool delays it at random.
        /// </summary>
        public void Stop(int workerId)
        {
            lock (_running)
                if (_running.Remove(workerId, out var worker)) worker.Tell(PoisonPill.Instance);
        }

        public void Start(int workerId)
        {
            lock (_running) _generation++;
            Launch(workerId);
        }
    }

    /// <summary>
    /// Only a plain sync run leaves the server idle while workers compute, so only there may it take
    /// turns with a worker on one thread. With backup workers, async updates or fault hooks (a worker
    /// may sleep or hang) the server must stay responsive.
    /// </summary>
    public static bool ServerCanShareAThread(DistributedSettings distributed, bool faultHooks) =>
        distributed.Mode == TrainingMode.Sync && distributed.BackupWorkers == 0 && !faultHooks;

    public static void Validate(TrainerSettings trainer, DistributedSettings distributed)
    {
        if (distributed.Workers < 1) throw new ArgumentException("--workers must be at least 1");
        if (trainer.MicroShards < 1) throw new ArgumentException("--micro-shards must be at least 1");
        if (distributed.BackupWorkers < 0 || distributed.BackupWorkers >= distributed.Workers && distributed.BackupWorkers > 0)
            throw new ArgumentException($"--backup-workers must be between 0 and workers − 1 ({distributed.Workers - 1})");
        if (distributed.BackupWorkers > 0 && distributed.Mode != TrainingMode.Sync)
            throw new ArgumentException("--backup-workers applies to --mode sync only");
        if (distributed.SyncEvery < 1) throw new ArgumentException("--sync-every must be at least 1");
        if (distributed.SyncEvery > 1 && (distributed.Mode != TrainingMode.Sync || distributed.BackupWorkers > 0))
            throw new ArgumentException("--sync-every applies to --mode sync without backup workers");
        if (distributed.Staleness < 0) throw new ArgumentException("--staleness cannot be negative");
    }
}
