namespace DistNet.Training.Telemetry;

/// <summary>
/// Where one epoch's time went, as written to --metrics-out (durations are totals over the epoch, in seconds).
/// </summary>
/// <param name="Steps">Updates applied in the epoch.</param>
/// <param name="StepMedianSeconds">Server step time: from sending a step's work to its update applied.</param>
/// <param name="StalenessMean">async/ssp: mean staleness of the applied gradients; null in the synchronous modes.</param>
public sealed record EpochTimings(
    int Epoch,
    int Steps,
    double StepMedianSeconds,
    double StepP95Seconds,
    double CombineSeconds,
    double ApplySeconds,
    double? StalenessMean,
    long? StalenessMax,
    IReadOnlyList<WorkerEpochTimings> Workers);

/// <summary>One worker's share of an epoch (totals in seconds; see docs/observability.md for each phase).</summary>
/// <param name="Tasks">Answers received from it in the epoch.</param>
/// <param name="StepMedianSeconds">Median round trip of its tasks, send to answer, as the server saw them.</param>
/// <param name="MailboxSeconds">In process only (null across processes): time its tasks and answers sat in mailboxes.</param>
/// <param name="CodecSeconds">Across processes only (null in process): serializing and deserializing its tasks and answers.</param>
/// <param name="WireSeconds">Across processes only, estimated: round trips minus its own time and the codec time.</param>
/// <param name="WaitedOnSeconds">Worker-seconds the others spent idle waiting for it.</param>
public sealed record WorkerEpochTimings(
    int WorkerId,
    int Tasks,
    double StepMedianSeconds,
    double StepP95Seconds,
    double ComputeSeconds,
    double WaitSeconds,
    double FaultSeconds,
    double? MailboxSeconds,
    double? CodecSeconds,
    double? WireSeconds,
    long BytesSent,
    long BytesReceived,
    double WaitedOnSeconds);

/// <summary>An observer that also wants each epoch's <see cref="EpochTimings"/>; told just before its OnEpoch.</summary>
public interface IEpochTimingsObserver
{
    void OnEpochTimings(EpochTimings timings);
}
