using Akka.Actor;
using Akka.Configuration;
using DistNet.Training.Hosting;

namespace DistNet.Training.Sweep;

/// <summary>
/// Runs a sweep in one actor system: N candidate trainers, each on a thread of its own (the
/// worker dispatcher), and the coordinator that spreads the candidates over them.
/// </summary>
public static class LocalSweep
{
    public static SweepResult Run(SweepJob job, IReadOnlyList<int[]> candidates, int workers,
        Action<CandidateTrained>? onTrained = null, Config? config = null)
    {
        if (workers < 1) throw new ArgumentException("--workers must be at least 1");
        if (candidates.Count == 0) throw new ArgumentException("a sweep needs at least one candidate");
        using var system = ActorSystem.Create("distnet-sweep", config ?? AkkaConfig.Default);
        try
        {
            var trainers = Enumerable.Range(0, workers)
                .Select(i => system.ActorOf(CandidateTrainer.Props(i, job).WithDispatcher(AkkaConfig.PinnedDispatcher), $"trainer-{i}"))
                .ToArray();
            var coordinator = system.ActorOf(SweepCoordinator.Props(trainers, onTrained), "sweep");
            var finished = coordinator.Ask<SweepFinished>(new RunSweep(candidates.ToArray()), Timeout.InfiniteTimeSpan)
                .GetAwaiter().GetResult();
            return SweepResult.Of(finished.Candidates);
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        }
    }
}
