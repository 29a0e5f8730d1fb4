namespace DistNet.Cli.Experiment;

/// <summary>One point of a run's loss curve.</summary>
/// <param name="Step">The global step, 1-based, counted over all epochs.</param>
/// <param name="RunningLoss">The epoch's running mean training loss after that step (it restarts with each epoch).</param>
/// <param name="Seconds">Seconds since the run started.</param>
public sealed record StepPoint(long Step, double RunningLoss, double Seconds);

/// <summary>Something that happened during a run, at a step and a time.</summary>
/// <param name="Step">The global step the run was at.</param>
/// <param name="Seconds">Seconds since the run started.</param>
/// <param name="Kind">One of <see cref="RunEventKinds"/>: a fault fired, the server noticed, the run recovered, or a note.</param>
/// <param name="Text">What happened, in words ("worker 2 killed", "task 17 timed out", "resumed from the checkpoint at step 300").</param>
public sealed record RunEvent(long Step, double Seconds, string Kind, string Text);

/// <summary>The kinds of <see cref="RunEvent"/>.</summary>
public static class RunEventKinds
{
    /// <summary>A planned fault fired.</summary>
    public const string Fault = "fault";
    /// <summary>The server noticed: a task timed out, a worker was lost, a gradient refused, the server restarted…</summary>
    public const string Detected = "detected";
    /// <summary>The run got over it: work reassigned or redone, a worker rejoined, resumed from a checkpoint…</summary>
    public const string Recovered = "recovered";
    /// <summary>Anything else worth a line in the timeline.</summary>
    public const string Note = "note";
}

/// <summary>
/// One training run of a fault-injection experiment (the fault-free baseline or the faulty run),
/// as the report needs it.
/// </summary>
/// <param name="Name">What the run is called in the report and the plot's legend ("baseline", "faulty").</param>
/// <param name="Steps">The loss curve, in the order the steps were taken.</param>
/// <param name="Events">What happened, in time order.</param>
/// <param name="WallSeconds">How long the whole run took.</param>
/// <param name="FinalTrainLoss">The last epoch's mean training loss.</param>
/// <param name="TestLoss">The final model's loss on the test split, when there is one.</param>
/// <param name="TestAccuracy">The final model's accuracy on the test split (a fraction, 0 to 1), for classifiers.</param>
/// <param name="ModelHash">A hash of the final model's parameters: equal hashes, identical models.</param>
/// <param name="StepsRedone">Steps computed more than once (lost work redone after a fault).</param>
/// <param name="LedgerExactlyOnce">Whether the ledger shows every step's gradient applied exactly once.</param>
/// <param name="Counters">The server's counters: tasks sent, timed out, reassigned, gradients refused, stale answers, duplicates, restarts…</param>
public sealed record ExperimentRun(
    string Name,
    IReadOnlyList<StepPoint> Steps,
    IReadOnlyList<RunEvent> Events,
    double WallSeconds,
    double FinalTrainLoss,
    double? TestLoss,
    double? TestAccuracy,
    string ModelHash,
    long StepsRedone,
    bool LedgerExactlyOnce,
    IReadOnlyDictionary<string, long> Counters);
