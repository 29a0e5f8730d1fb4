using DistNet.Core.Training;

namespace DistNet.Training.Server;

/// <summary>Worker → server, when a worker starts or restarts: "I can take work".</summary>
public sealed record RegisterWorker(int WorkerId) : IDistNetMessage;

/// <summary>Driver → server: begin once the workers have registered; the answer is <see cref="TrainingFinished"/>.</summary>
public sealed record StartTraining : IDistNetMessage
{
    public static readonly StartTraining Instance = new();
}

/// <summary>Server → driver: the final parameters and everything measured on the way.</summary>
public sealed record TrainingFinished(
    float[] Parameters,
    EpochReport[] History,
    int BestEpoch,
    bool StoppedEarly,
    TrainingStats Stats,
    LedgerEpoch[] Ledger,
    string? Failure) : IDistNetMessage;

/// <summary>Server → itself (from its watchdog timer): a task may have been outstanding for too long.</summary>
internal sealed class CheckTimeouts
{
    public static readonly CheckTimeouts Instance = new();
    private CheckTimeouts() { }
}

/// <summary>Counts a run keeps of what went wrong and how it was handled.</summary>
public sealed record TrainingStats
{
    public long Updates { get; init; }
    public long TasksSent { get; init; }
    /// <summary>Answers to tasks no longer outstanding (late after a timeout or a reassignment, or duplicated).</summary>
    public long StaleAnswers { get; init; }
    /// <summary>Shard gradients received twice within one step.</summary>
    public long DuplicateShards { get; init; }
    /// <summary>Gradients with NaN or infinity, refused and recomputed.</summary>
    public long RefusedGradients { get; init; }
    /// <summary>Backup-worker mode: gradients that arrived after the step had gone on.</summary>
    public long DroppedLate { get; init; }
    public long Reassigned { get; init; }
    public long TimedOut { get; init; }
    public long Registrations { get; init; }
    public long WorkersLost { get; init; }
    public double MeanStaleness { get; init; }
    public long MaxStaleness { get; init; }
    /// <summary>SSP: every task start, with the worker's clock and the slowest live worker's clock.</summary>
    public ClockRecord[] Clocks { get; init; } = [];
    /// <summary>Tasks handed to each worker id: who did the work.</summary>
    public IReadOnlyDictionary<int, long> TasksPerWorker { get; init; } = new Dictionary<int, long>();

    /// <summary>Checkpoints written; the seconds the server spent copying state for them (what training waits for); the seconds the background writes took.</summary>
    public long CheckpointsWritten { get; init; }
    public double CheckpointSeconds { get; init; }
    public double CheckpointWriteSeconds { get; init; }

    /// <summary>The step of the checkpoint the run (last) resumed from; −1 if none.</summary>
    public long ResumedFromStep { get; init; } = -1;

    /// <summary>How often the server crashed and was restarted by its supervisor.</summary>
    public long ServerRestarts { get; init; }
}

public sealed record ClockRecord(int WorkerId, long Clock, long SlowestClock);
