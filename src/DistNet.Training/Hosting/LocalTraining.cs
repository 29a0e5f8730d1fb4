using Akka.Actor;
using Akka.Configuration;
using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Training;
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
    public static DistributedResult Run(Mlp model, Dataset train, Dataset validation, TrainerSettings trainer,
        DistributedSettings distributed, ITrainingObserver? observer = null,
        Func<int, IWorkerFaults>? faults = null, Config? config = null,
        Action<ActorSystem, IActorRef[]>? onStarted = null, RunTelemetry? telemetry = null)
    {
        Validate(trainer, distributed);
        Evaluation.CheckCompatible(model.Architecture, train);
        using var system = ActorSystem.Create("distnet", config ?? AkkaConfig.Default);
        try
        {
            // Only a plain sync run leaves the server idle while workers compute. With backup workers,
            // async updates or fault hooks (a worker may sleep or hang) the server must stay responsive.
            bool share = distributed.Mode == TrainingMode.Sync && distributed.BackupWorkers == 0 && faults is null;
            var server = TrainingServer.Start(system, new ServerSetup(model, train.Count, validation, trainer, distributed, observer, telemetry),
                share ? AkkaConfig.SharedDispatcher : AkkaConfig.PinnedDispatcher);
            var job = new WorkerJob(model.Architecture, train, trainer.Penalty, trainer.Optimizer);
            var workers = Enumerable.Range(0, distributed.Workers)
                .Select(i => system.ActorOf(Worker.Props(i, server, job, faults?.Invoke(i))
                    .WithDispatcher(share && i == 0 ? AkkaConfig.SharedDispatcher : AkkaConfig.PinnedDispatcher), $"worker-{i}"))
                .ToArray();
            var result = TrainingServer.Train(server, model.Architecture);
            onStarted?.Invoke(system, workers);
            return result.GetAwaiter().GetResult();
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        }
    }

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
